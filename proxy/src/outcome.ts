/**
 * Pure mapping of everything that can go wrong to an HTTP answer: status, placeholder image, log level
 * and the outcome named in the access log.
 */
import { InvokeFailedError, InvokerError, type ResizeErrorCode } from '@preview-lambda/invoker';
import { ProxyError } from './errors.js';

/** How a request ended, as named in the access log. */
export type Outcome =
  /** The function produced the preview and returned its bytes. */
  | 'generated'
  /** The function stored a preview too large to return; it was streamed from S3. */
  | 'stored'
  /** 404: unknown preset, missing or unusable original, or a path outside the preview root. */
  | 'not-found'
  /** 400: malformed path. */
  | 'invalid'
  /** 405: a method other than GET or HEAD. */
  | 'method-not-allowed'
  /** 5xx: the function, the Invoke API or S3 failed. */
  | 'error'
  /** 504: no answer within the invocation or request deadline. */
  | 'timeout'
  /** 503: `MAX_IN_FLIGHT` or `MAX_COALESCED` reached, or the function is throttled. */
  | 'overloaded'
  /** 503: the proxy is shutting down. */
  | 'unavailable'
  /** The client closed the connection first (logged with status 499). */
  | 'aborted'
  /** `/healthz`. */
  | 'health';

/** Which placeholder image an answer carries, if any. */
export type AnswerImage = 'not-found' | 'error' | 'none';

/** Log level of an access-log line. */
export type AnswerLevel = 'info' | 'warn' | 'error';

/** How to answer a failure. */
export interface FailureAnswer {
  /** HTTP status. */
  readonly status: number;
  /** Outcome in the access log. */
  readonly outcome: Outcome;
  /** Body: a placeholder image, or a short plain-text message (`none`). */
  readonly image: AnswerImage;
  /** Stable code, logged and sent in `X-Preview-Error`, e.g. `SOURCE_NOT_FOUND`, `FUNCTION_ERROR`. */
  readonly code: string;
  /** Level of the access-log line. */
  readonly level: AnswerLevel;
  /** Seconds to send in `Retry-After`, for 503 answers. */
  readonly retryAfterSeconds?: number;
}

/** `Retry-After` of 503 answers, in seconds. */
export const RETRY_AFTER_SECONDS = 1;

/** HTTP status logged when the client closed the connection before the answer (nginx's convention). */
export const CLIENT_CLOSED_STATUS = 499;

const notFound = (code: string): FailureAnswer => ({
  status: 404,
  outcome: 'not-found',
  image: 'not-found',
  code,
  level: 'info',
});

const invalid = (code: string, level: AnswerLevel): FailureAnswer => ({
  status: 400,
  outcome: 'invalid',
  image: 'none',
  code,
  level,
});

const timeout = (code: string): FailureAnswer => ({
  status: 504,
  outcome: 'timeout',
  image: 'error',
  code,
  level: 'warn',
});

const aborted = (code: string): FailureAnswer => ({
  status: CLIENT_CLOSED_STATUS,
  outcome: 'aborted',
  image: 'none',
  code,
  level: 'info',
});

const upstream = (status: number, code: string): FailureAnswer => ({
  status,
  outcome: 'error',
  image: 'error',
  code,
  level: 'error',
});

/**
 * The answer to each permanent failure the function reports (`kind: 'failed'`).
 *
 * A missing original and an original that can never give a preview (not an image, corrupt, too many
 * pixels, too large, a format the function does not decode) are all 404 with the "not found" image:
 * there is no preview at that URL and there will not be one until the original changes, which is what
 * caches and `<img>` tags understand best.
 * The precise code is in the log and in `X-Preview-Error`. Codes that mean the proxy and the function
 * disagree (width, bucket, prefix, root, preset or format refused) are configuration errors: 500.
 */
export const FAILED_RESULT_ANSWERS: Readonly<Record<ResizeErrorCode, FailureAnswer>> = Object.freeze({
  SOURCE_NOT_FOUND: notFound('SOURCE_NOT_FOUND'),
  NOT_AN_IMAGE: notFound('NOT_AN_IMAGE'),
  CORRUPT_IMAGE: notFound('CORRUPT_IMAGE'),
  TOO_MANY_PIXELS: notFound('TOO_MANY_PIXELS'),
  SOURCE_TOO_LARGE: notFound('SOURCE_TOO_LARGE'),
  UNSUPPORTED_FORMAT: notFound('UNSUPPORTED_FORMAT'),
  INVALID_REQUEST: invalid('INVALID_REQUEST', 'warn'),
  WIDTH_TOO_LARGE: upstream(500, 'WIDTH_TOO_LARGE'),
  BUCKET_NOT_ALLOWED: upstream(500, 'BUCKET_NOT_ALLOWED'),
  LAYOUT_NOT_ALLOWED: upstream(500, 'LAYOUT_NOT_ALLOWED'),
  UNKNOWN_PRESET: upstream(500, 'UNKNOWN_PRESET'),
  PRESET_WIDTH_MISMATCH: upstream(500, 'PRESET_WIDTH_MISMATCH'),
  FORMAT_NOT_IN_PRESET: upstream(500, 'FORMAT_NOT_IN_PRESET'),
  ACCESS_DENIED: upstream(502, 'ACCESS_DENIED'),
  DESTINATION_REJECTED: upstream(502, 'DESTINATION_REJECTED'),
});

/** The answer to a permanent failure reported by the function. */
export function answerForFailure(code: ResizeErrorCode): FailureAnswer {
  return FAILED_RESULT_ANSWERS[code];
}

/**
 * The answer to a thrown error: an `InvokerError`, a {@link ProxyError}, or anything else (500).
 *
 * For an aborted call, pass the abort reason (`RequestTimeoutError` or `ClientClosedError`), not the
 * `InvocationAbortedError` it caused.
 */
export function answerForError(error: unknown): FailureAnswer {
  if (error instanceof ProxyError) {
    switch (error.code) {
      case 'REQUEST_TIMEOUT':
        return timeout(error.code);
      case 'CLIENT_CLOSED':
        return aborted(error.code);
      case 'STORED_PREVIEW_MISSING':
      case 'STORAGE_FAILED':
        return upstream(502, error.code);
      case 'CONFIGURATION':
      case 'NGINX_CONFIGURATION':
        return upstream(500, error.code);
    }
  }
  if (error instanceof InvokerError) {
    switch (error.code) {
      case 'DEADLINE_EXCEEDED':
        return timeout(error.code);
      case 'INVALID_REQUEST':
        return invalid(error.code, 'warn');
      case 'INVOKE_FAILED':
        return error instanceof InvokeFailedError && error.errorName === 'TooManyRequestsException'
          ? overloaded('THROTTLED')
          : upstream(502, error.code);
      case 'FUNCTION_ERROR':
      case 'INVALID_RESPONSE':
        return upstream(502, error.code);
      case 'ABORTED':
        return aborted(error.code);
      case 'CONFIGURATION':
        return upstream(500, error.code);
    }
  }
  return upstream(500, 'INTERNAL');
}

/**
 * The answer when `MAX_IN_FLIGHT` or `MAX_COALESCED` is reached (`OVERLOADED`) or the function is throttled
 * (`THROTTLED`).
 */
export function overloaded(code: 'OVERLOADED' | 'THROTTLED' = 'OVERLOADED'): FailureAnswer {
  return {
    status: 503,
    outcome: 'overloaded',
    image: 'error',
    code,
    level: 'warn',
    retryAfterSeconds: RETRY_AFTER_SECONDS,
  };
}

/** The answer to a preview request that arrives while the proxy is shutting down. */
export function shuttingDown(): FailureAnswer {
  return {
    status: 503,
    outcome: 'unavailable',
    image: 'error',
    code: 'SHUTTING_DOWN',
    level: 'info',
    retryAfterSeconds: RETRY_AFTER_SECONDS,
  };
}

/** The answer to a malformed path under the preview root. */
export function invalidPath(): FailureAnswer {
  return invalid('INVALID_PATH', 'info');
}

/** The answer to a preset that is not configured (nothing is invoked). */
export function unknownPreset(): FailureAnswer {
  return notFound('UNKNOWN_PRESET');
}
