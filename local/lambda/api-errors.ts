/**
 * Errors of the Lambda Invoke API itself (not of the function): each is answered as the Lambda service
 * answers it, with an HTTP status, the `x-amzn-ErrorType` header and a JSON body. The AWS SDK's REST-JSON
 * deserializer names the error after that header (then `code`/`__type` in the body) and takes its message
 * from `message` or `Message`, so `InvokeCommand` rejects with an error of the same `name`.
 */
import { INVOKE_PAYLOAD_LIMIT_BYTES } from './limits.js';

/** Options shared by every {@link LambdaApiError}. */
export interface LambdaApiErrorOptions {
  /** Extra fields of the JSON body, e.g. `Reason`. */
  fields?: Readonly<Record<string, unknown>>;
  /** Extra response headers, e.g. `Allow`. */
  headers?: Readonly<Record<string, string>>;
  /** Who is at fault, the body's `Type`; defaults to `User`. */
  type?: 'User' | 'Service';
}

/** Root of every error the endpoint answers instead of invoking the function. */
export class LambdaApiError extends Error {
  /** HTTP status of the answer. */
  public readonly status: number;
  /** Sent as `x-amzn-ErrorType`; the SDK error's `name`. */
  public readonly errorType: string;
  /** Extra response headers. */
  public readonly headers: Readonly<Record<string, string>>;
  readonly #fields: Readonly<Record<string, unknown>>;
  readonly #type: 'User' | 'Service';

  public constructor(status: number, errorType: string, message: string, options: LambdaApiErrorOptions = {}) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.errorType = errorType;
    this.headers = options.headers ?? {};
    this.#fields = options.fields ?? {};
    this.#type = options.type ?? 'User';
  }

  /** The JSON body, shaped like the Lambda service's: `{"Type": ..., "message": ..., ...fields}`. */
  public body(): Record<string, unknown> {
    return { ...this.#fields, Type: this.#type, message: this.message };
  }
}

/** No function of that name (404), e.g. `Function not found: arn:aws:lambda:...:function:NAME`. */
export class ResourceNotFoundException extends LambdaApiError {
  public constructor(functionArn: string) {
    super(404, 'ResourceNotFoundException', `Function not found: ${functionArn}`);
  }
}

/** The request body (or client context) is not valid JSON (400). */
export class InvalidRequestContentException extends LambdaApiError {
  public constructor(message: string) {
    super(400, 'InvalidRequestContentException', message);
  }
}

/** A header or query parameter has a value Lambda does not accept (400). */
export class InvalidParameterValueException extends LambdaApiError {
  public constructor(message: string) {
    super(400, 'InvalidParameterValueException', message);
  }
}

/** The request payload is larger than Lambda accepts (413). */
export class RequestTooLargeException extends LambdaApiError {
  public constructor(limitBytes: number = INVOKE_PAYLOAD_LIMIT_BYTES) {
    super(413, 'RequestTooLargeException', `Request must be smaller than ${limitBytes} bytes for the InvokeFunction operation`);
  }
}

/**
 * The function's concurrency is exhausted (429). The SDK's standard retry strategy treats it as
 * throttling and retries it with backoff.
 */
export class TooManyRequestsException extends LambdaApiError {
  public constructor() {
    super(429, 'TooManyRequestsException', 'Rate Exceeded.', {
      fields: { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' },
    });
  }
}

/** A path that is not an operation of this endpoint (404). */
export class UnknownOperationException extends LambdaApiError {
  public constructor(method: string, path: string) {
    super(404, 'UnknownOperationException', `Unknown operation: ${method} ${path} (this endpoint serves only Invoke)`);
  }
}

/** The invoke path with a method other than POST (405). */
export class MethodNotAllowedException extends LambdaApiError {
  public constructor(method: string) {
    super(405, 'MethodNotAllowedException', `Method ${method} is not allowed; Invoke is POST`, {
      headers: { Allow: 'POST' },
    });
  }
}

/**
 * The endpoint is shutting down and starts no new invocation: 503 (Lambda's `ServiceException` is a 500;
 * either way the SDK retries it).
 */
export class ServiceException extends LambdaApiError {
  public constructor() {
    super(503, 'ServiceException', 'The local Lambda endpoint is shutting down', { type: 'Service' });
  }
}
