import { DEFAULT_INVOKE_TIMEOUT_MS, type ResizeErrorCode } from '@preview-lambda/contract';

/**
 * Default overall deadline of one {@link PreviewInvoker.invoke} call, in milliseconds: 22,000, two function
 * timeouts (10 s, the template's) and 2 s, so that a call that finds another execution in progress can
 * wait for its record to expire and still run the function itself.
 */
export const DEFAULT_TIMEOUT_MS = DEFAULT_INVOKE_TIMEOUT_MS;

/** Largest deadline accepted: the longest delay `setTimeout` supports (about 24.8 days). */
export const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * Default wait policy while another execution of the same request is in progress: exponential backoff
 * from 200 ms, doubling up to 2 s, with full jitter.
 */
export const DEFAULT_IN_PROGRESS = Object.freeze({
  initialDelayMs: 200,
  maxDelayMs: 2_000,
  multiplier: 2,
  jitter: 1,
});

/**
 * `errorType` of the function error Powertools idempotency raises when an identical request is being
 * processed by another execution.
 */
export const IN_PROGRESS_ERROR_TYPE = 'IdempotencyAlreadyInProgressError';

/**
 * Code given to a `status: false` answer that carries no `code` (the Go function never sent one).
 *
 * The only `status: false` answer the Go function produced was `File <src_key> not exists in
 * <src_bucket>`, hence `SOURCE_NOT_FOUND`. The raw answer stays available as `response` (its `code` is
 * `undefined`), so callers can tell an inferred code from a reported one.
 */
export const LEGACY_FAILURE_CODE: ResizeErrorCode = 'SOURCE_NOT_FOUND';

/**
 * Code given to a `status: true` answer with an empty `key` and empty `data`: the Go function's answer
 * for a source that was neither a JPEG nor a PNG (it skipped the resize and still reported success).
 */
export const LEGACY_EMPTY_SUCCESS_CODE: ResizeErrorCode = 'NOT_AN_IMAGE';

/** Longest excerpt of an unparseable payload kept in an error, in characters. */
export const MAX_PAYLOAD_EXCERPT_CHARS = 500;
