/**
 * The chain of deadlines, stated once: nginx → proxy → invoker → function → S3/DynamoDB, each outer one
 * longer than everything it waits for. Every default derives from the function's timeout.
 *
 * - The function stops talking to S3 {@link FUNCTION_RESERVE_MS} before its own deadline, so a hung call
 *   fails the invocation (and Powertools deletes its in-progress record) instead of timing out.
 * - An in-progress record expires at the deadline of the invocation that wrote it (Powertools stores
 *   `context.getRemainingTimeInMillis()`), so after a crash the next request for that preview waits at most
 *   one function timeout, then runs it itself: the invoker must allow two timeouts and the waits between.
 * - The proxy answers its own 504 before nginx gives up on it.
 *
 * @module
 */

/** The function's timeout (template `Timeout` default), in seconds: a 24 MP resize takes well under 2 s. */
export const FUNCTION_TIMEOUT_SECONDS = 10;

/**
 * Time the function keeps for itself before its deadline, in ms: answering, and deleting the in-progress
 * record after a failed dependency call (one DynamoDB call within its own budget, see the handler).
 */
export const FUNCTION_RESERVE_MS = 1_500;

/**
 * Default deadline of one invocation by the invoker, waits on an in-progress duplicate included, in ms:
 * an in-progress record may live one function timeout, then the call runs one more, plus 2 s of margin.
 */
export function invokeTimeoutFor(functionTimeoutSeconds: number): number {
  return 2 * functionTimeoutSeconds * 1000 + 2_000;
}

/** Default deadline of one proxy request (arrival to last byte), in ms: the invocation plus 3 s to answer. */
export function requestTimeoutFor(invokeTimeoutMs: number): number {
  return invokeTimeoutMs + 3_000;
}

/** nginx's `proxy_read_timeout` for the proxy, in ms: 5 s longer, so the proxy answers its own 504 first. */
export function nginxReadTimeoutFor(requestTimeoutMs: number): number {
  return requestTimeoutMs + 5_000;
}

/** {@link invokeTimeoutFor} the default function timeout: 22,000 ms. */
export const DEFAULT_INVOKE_TIMEOUT_MS = invokeTimeoutFor(FUNCTION_TIMEOUT_SECONDS);

/** {@link requestTimeoutFor} the default invoke timeout: 25,000 ms. */
export const DEFAULT_REQUEST_TIMEOUT_MS = requestTimeoutFor(DEFAULT_INVOKE_TIMEOUT_MS);
