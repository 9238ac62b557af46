import { CodedError } from '@preview-lambda/contract';

/** Stable machine-readable code of every {@link InvokerError}. */
export type InvokerErrorCode =
  | 'INVALID_REQUEST'
  | 'INVALID_RESPONSE'
  | 'FUNCTION_ERROR'
  | 'DEADLINE_EXCEEDED'
  | 'ABORTED'
  | 'INVOKE_FAILED'
  | 'CONFIGURATION';

/**
 * Root of every error the invoker raises.
 *
 * Catch `InvokerError` to handle any failure of {@link PreviewInvoker.invoke}; check `code` (or
 * `instanceof` a subclass) to tell them apart. Permanent failures the function reports itself
 * (`status: false`) are not errors: they come back as a `failed` result.
 */
export class InvokerError extends CodedError<InvokerErrorCode> {
  public constructor(code: InvokerErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.name = 'InvokerError';
  }
}

/**
 * The request does not satisfy the contract. Raised before any network call, so a bad request never
 * costs an invocation. `cause` is the contract's own `InvalidRequestError`.
 */
export class InvalidRequestError extends InvokerError {
  /** One line per problem, e.g. `Expected positive integer for width but received "1440" (string)`. */
  public readonly issues: readonly string[];

  public constructor(issues: readonly string[], options?: ErrorOptions) {
    super('INVALID_REQUEST', `Invalid resize request: ${issues.join('; ')}`, options);
    this.name = 'InvalidRequestError';
    this.issues = Object.freeze([...issues]);
  }
}

/**
 * The function answered, but its payload is not valid UTF-8 JSON or does not satisfy the response
 * contract.
 */
export class InvalidResponseError extends InvokerError {
  /** One line per problem, e.g. `Expected boolean for status but received "yes" (string)`. */
  public readonly issues: readonly string[];

  public constructor(issues: readonly string[], options?: ErrorOptions) {
    super('INVALID_RESPONSE', `Invalid response from the preview function: ${issues.join('; ')}`, options);
    this.name = 'InvalidResponseError';
    this.issues = Object.freeze([...issues]);
  }
}

/** What the Lambda runtime reported about a function error. */
export interface FunctionErrorDetails {
  /** `X-Amz-Function-Error` of the answer: `Unhandled` or `Handled`. */
  functionError: string;
  /** `errorType` of the payload (the thrown error's name), or `Unknown` when the payload has none. */
  errorType: string;
  /** `errorMessage` of the payload, or an excerpt of the payload when it is not the usual JSON. */
  errorMessage: string;
  /** `trace` (Node.js) or `stackTrace` (other runtimes) of the payload; empty when absent. */
  trace: readonly string[];
  /** The decoded execution log tail, when `logTail` was requested. */
  logTail?: string | undefined;
}

/**
 * The function failed: it threw (`Unhandled`, also what `sam local` reports for every error), or the
 * runtime failed it (timeout, out of memory). Transient failures of the handler (S3 throttling, 5xx)
 * arrive this way, so retrying later may succeed.
 *
 * `IdempotencyAlreadyInProgressError` is never surfaced as a `FunctionError`: the invoker waits and
 * invokes again instead.
 */
export class FunctionError extends InvokerError {
  /** `X-Amz-Function-Error` of the answer: `Unhandled` or `Handled`. */
  public readonly functionError: string;
  /** The thrown error's type, e.g. `Error`, `Sandbox.Timedout`, or `Unknown`. */
  public readonly errorType: string;
  /** The thrown error's message. */
  public readonly errorMessage: string;
  /** The stack trace lines reported by the runtime; empty when absent. */
  public readonly trace: readonly string[];
  /** The decoded execution log tail, when `logTail` was requested. */
  public readonly logTail: string | undefined;

  public constructor(details: FunctionErrorDetails, options?: ErrorOptions) {
    super(
      'FUNCTION_ERROR',
      `The preview function failed (${details.functionError}): ${details.errorType}: ${details.errorMessage}`,
      options,
    );
    this.name = 'FunctionError';
    this.functionError = details.functionError;
    this.errorType = details.errorType;
    this.errorMessage = details.errorMessage;
    this.trace = Object.freeze([...details.trace]);
    this.logTail = details.logTail;
  }
}

/** How a deadline was missed. */
export interface DeadlineExceededDetails {
  /** The deadline, in milliseconds. */
  timeoutMs: number;
  /** Time spent in the call when it gave up, in milliseconds. */
  elapsedMs: number;
  /** Number of invocations made (retries of the SDK inside one invocation are not counted). */
  attempts: number;
  /** `true` when the last answer said another execution of the same request was still in progress. */
  inProgress: boolean;
}

/**
 * The call did not complete within `timeoutMs`: the invocation was still running, or another execution
 * of the same request was still in progress (`inProgress`). The deadline also covers the waits between
 * invocations.
 */
export class DeadlineExceededError extends InvokerError {
  /** The deadline, in milliseconds. */
  public readonly timeoutMs: number;
  /** Time spent in the call when it gave up, in milliseconds. */
  public readonly elapsedMs: number;
  /** Number of invocations made. */
  public readonly attempts: number;
  /** `true` when the last answer said another execution of the same request was still in progress. */
  public readonly inProgress: boolean;

  public constructor(details: DeadlineExceededDetails, options?: ErrorOptions) {
    super(
      'DEADLINE_EXCEEDED',
      `No preview within the ${details.timeoutMs} ms deadline after ${details.elapsedMs} ms and ` +
        `${details.attempts} invocation(s)${details.inProgress ? ', another execution still in progress' : ''}`,
      options,
    );
    this.name = 'DeadlineExceededError';
    this.timeoutMs = details.timeoutMs;
    this.elapsedMs = details.elapsedMs;
    this.attempts = details.attempts;
    this.inProgress = details.inProgress;
  }
}

/**
 * The caller's `signal` aborted the call. `cause` is the signal's `reason`. Other callers sharing the same
 * invocation are not affected.
 */
export class InvocationAbortedError extends InvokerError {
  public constructor(options?: ErrorOptions) {
    super('ABORTED', 'The preview invocation was aborted by the caller', options);
    this.name = 'InvocationAbortedError';
  }
}

/** What the AWS SDK reported about a failed `Invoke` call. */
export interface InvokeFailedDetails {
  /** The function that was invoked. */
  functionName: string;
  /** Name of the SDK error, e.g. `ResourceNotFoundException`, `TooManyRequestsException`. */
  errorName: string;
  /** HTTP status of the last attempt, when there was an answer. */
  httpStatusCode?: number | undefined;
  /** Request id of the last attempt, when there was an answer. */
  requestId?: string | undefined;
  /** `client` or `server`, as the SDK classified the error. */
  fault?: 'client' | 'server' | undefined;
}

/**
 * The `Invoke` API call itself failed after the SDK's retries: the function does not exist, access was
 * denied, throttling persisted, the payload was too large, the network failed. `cause` is the SDK error.
 */
export class InvokeFailedError extends InvokerError {
  /** The function that was invoked. */
  public readonly functionName: string;
  /** Name of the SDK error, e.g. `ResourceNotFoundException`. */
  public readonly errorName: string;
  /** HTTP status of the last attempt, when there was an answer. */
  public readonly httpStatusCode: number | undefined;
  /** Request id of the last attempt, when there was an answer. */
  public readonly requestId: string | undefined;
  /** `client` or `server`, as the SDK classified the error. */
  public readonly fault: 'client' | 'server' | undefined;

  public constructor(details: InvokeFailedDetails, message: string, options?: ErrorOptions) {
    const status = details.httpStatusCode === undefined ? '' : ` (HTTP ${details.httpStatusCode})`;
    super('INVOKE_FAILED', `Invoking ${details.functionName} failed: ${details.errorName}${status}: ${message}`, options);
    this.name = 'InvokeFailedError';
    this.functionName = details.functionName;
    this.errorName = details.errorName;
    this.httpStatusCode = details.httpStatusCode;
    this.requestId = details.requestId;
    this.fault = details.fault;
  }
}

/** The options given to {@link PreviewInvoker} are invalid, or the invoker was used after `destroy()`. */
export class ConfigurationError extends InvokerError {
  public constructor(message: string, options?: ErrorOptions) {
    super('CONFIGURATION', message, options);
    this.name = 'ConfigurationError';
  }
}
