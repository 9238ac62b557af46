import type { LambdaClient, LambdaClientConfig } from '@aws-sdk/client-lambda';
import type { ResizeErrorCode, ResizeResponse } from '@preview-lambda/contract';

/**
 * How to wait while another execution of the same request is in progress (the function answered
 * `IdempotencyAlreadyInProgressError`): exponential backoff with jitter, bounded by the call's deadline.
 *
 * The n-th wait (n from 0) is drawn from `cap × (1 − jitter × random)`, where
 * `cap = min(maxDelayMs, initialDelayMs × multiplier^n)`; `jitter: 1` is full jitter (uniform in
 * `(0, cap]`), `jitter: 0` waits exactly `cap`.
 */
export interface InProgressOptions {
  /** Upper bound of the first wait, in milliseconds. Default: `200`. */
  initialDelayMs?: number;
  /** Largest upper bound of any wait, in milliseconds. Default: `2000`. */
  maxDelayMs?: number;
  /** Growth factor of the bound between waits, at least 1. Default: `2`. */
  multiplier?: number;
  /** Share of each wait that is randomized, from 0 to 1. Default: `1` (full jitter). */
  jitter?: number;
}

/**
 * Callbacks the invoker makes as it works, for metrics (the proxy counts them in Prometheus). Each is
 * called synchronously and must not throw: what it throws is ignored, so an observer can never fail a
 * call.
 */
export interface PreviewInvokerObserver {
  /**
   * An `Invoke` call is about to be sent. `attempt` counts from 1 within one call: above 1, the call is
   * asking again after an identical request was in progress. (The SDK's own retries of one `Invoke` call
   * are not counted.)
   */
  onInvoke?(attempt: number): void;
  /**
   * The function answered that an identical request is in progress (`IdempotencyAlreadyInProgressError`);
   * the invoker waits `delayMs` (ms), then invokes again.
   */
  onInProgress?(delayMs: number): void;
  /** A call joined an identical call in flight on this instance (single flight) instead of invoking. */
  onJoin?(): void;
}

/** The options of {@link PreviewInvoker} that do not concern the Lambda client. */
export interface PreviewInvokerBaseOptions {
  /** Name, partial ARN or ARN of the preview function. */
  functionName: string;
  /**
   * Version or alias to invoke. Default: none (`$LATEST`, or the version in an ARN). `sam local
   * start-lambda` rejects any qualifier.
   */
  qualifier?: string;
  /**
   * Overall deadline of one call in milliseconds, covering every invocation, the SDK's retries and the
   * waits on an in-progress duplicate. Default: `22000` (two function timeouts of 10 s and 2 s).
   */
  timeoutMs?: number;
  /** Wait policy while another execution of the same request is in progress. */
  inProgress?: InProgressOptions;
  /**
   * Ask for the last 4 KB of the execution log (`LogType: Tail`), returned decoded as `logTail`.
   * Default: `false`. `sam local start-lambda` answers HTTP 501 to it.
   */
  logTail?: boolean;
  /** Told about every invocation, in-progress wait and single-flight join (for metrics). Default: none. */
  observer?: PreviewInvokerObserver;
}

/**
 * Where the Lambda client comes from: either an existing `client` (which the invoker never destroys), or
 * a `clientConfig` to build one (`{}` when both are omitted).
 *
 * `clientConfig` is passed to `new LambdaClient()` as is, including `maxAttempts` (default 3) and
 * `retryMode` (default `standard`): the SDK's retry strategy retries throttling
 * (`TooManyRequestsException`), 5xx answers and network errors within the call's deadline.
 */
export type PreviewInvokerClientOptions =
  | {
      /** The Lambda client to use; its retry settings apply. Not destroyed by `destroy()`. */
      client: LambdaClient;
      /** Not allowed together with `client`. */
      clientConfig?: never;
    }
  | {
      /** Configuration of the Lambda client the invoker builds and owns. Default: `{}`. */
      clientConfig?: LambdaClientConfig;
      /** Not allowed together with `clientConfig`. */
      client?: never;
    };

/** Options of {@link PreviewInvoker}. `client` and `clientConfig` are mutually exclusive. */
export type PreviewInvokerOptions = PreviewInvokerBaseOptions & PreviewInvokerClientOptions;

/** Options of one {@link PreviewInvoker.invoke} call. */
export interface PreviewInvokeOptions {
  /**
   * Aborts this call with `InvocationAbortedError`. Other callers sharing the same invocation keep
   * waiting; the invocation itself is abandoned only when every caller has aborted.
   */
  signal?: AbortSignal;
}

/** Fields of every {@link PreviewResult}. */
export interface PreviewResultBase {
  /** The function's answer, validated against the contract (unknown fields stripped). */
  readonly response: ResizeResponse;
  /** Invocations made: more than 1 when the call waited for another execution of the same request. */
  readonly attempts: number;
  /** The last 4 KB of the execution log, decoded; present only when `logTail` is enabled. */
  readonly logTail?: string;
}

/** The preview was produced (or found) and its bytes came back inline. */
export interface PreviewBytesResult extends PreviewResultBase {
  /** Discriminant. */
  readonly kind: 'preview';
  /** Key of the preview in the destination bucket. */
  readonly key: string;
  /** MIME type of the preview, e.g. `image/jpeg`. */
  readonly contentType: string;
  /**
   * The preview, decoded from the response's base64 `data`. Shared by every caller of a coalesced
   * invocation: treat it as read-only.
   */
  readonly bytes: Buffer;
}

/**
 * The preview was produced (or found) and stored, but is too large for a synchronous response
 * (`LAMBDA_SYNC_RESPONSE_LIMIT_BYTES`), so the function left `data` empty: read it from the destination
 * bucket at `key`.
 */
export interface PreviewStoredResult extends PreviewResultBase {
  /** Discriminant. */
  readonly kind: 'stored';
  /** Key of the preview in the destination bucket. */
  readonly key: string;
  /** MIME type of the preview, e.g. `image/jpeg`. */
  readonly contentType: string;
}

/**
 * The function reported a permanent failure (`status: false`): the same request would fail the same way,
 * so do not retry it.
 *
 * Answers of the Go function carry no `code`: `status: false` then gets `SOURCE_NOT_FOUND` (the only
 * failure it answered), and its empty `status: true` answer for a source that was not a JPEG or PNG gets
 * `NOT_AN_IMAGE`. `response.code` is `undefined` in both cases.
 */
export interface PreviewFailedResult extends PreviewResultBase {
  /** Discriminant. */
  readonly kind: 'failed';
  /** Why the resize failed. */
  readonly code: ResizeErrorCode;
  /** The function's human-readable reason (its `error`), or a description of `code` when empty. */
  readonly message: string;
}

/**
 * Outcome of {@link PreviewInvoker.invoke}, discriminated by `kind`: `preview` (bytes inline), `stored`
 * (read the key from S3) or `failed` (permanent failure with a code).
 */
export type PreviewResult = PreviewBytesResult | PreviewStoredResult | PreviewFailedResult;

/** The `kind` of a {@link PreviewResult}. */
export type PreviewResultKind = PreviewResult['kind'];
