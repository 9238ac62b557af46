/**
 * Request ids: an incoming `X-Request-Id` (nginx's `$request_id`, a load balancer's trace id) is kept
 * when it is sane, otherwise a UUID is generated. The id is logged and echoed in the response.
 */
import { randomUUID } from 'node:crypto';

/** Name of the request id header, in and out. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** What an incoming request id may look like: 1 to 128 letters, digits, `.`, `_`, `:` or `-`. */
export const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request id to use: `incoming` when it is one sane value, else a fresh one from `generate`.
 *
 * @param incoming - The `X-Request-Id` header as Node gives it (repeated headers are joined or listed).
 * @param generate - Makes a new id. Default: `crypto.randomUUID`.
 */
export function resolveRequestId(
  incoming: string | readonly string[] | undefined,
  generate: () => string = randomUUID,
): string {
  return typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : generate();
}
