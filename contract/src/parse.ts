import { ResizeRequestError, ResizeResponseError } from './errors.js';
import { formatIssues } from './issues.js';
import { derivePreviewKey } from './key.js';
import { ResizeRequest, ResizeResponse } from './schemas.js';

/**
 * The request fields the preview key is derived from, checked on their own. A bad `format` counts as
 * absent here (the request schema reports it), so the other fields' key problems are still reported.
 */
const PreviewKeyFields = ResizeRequest.pick({
  src_key: true,
  rewrite_part: true,
  root_folder: true,
  preset_name: true,
}).extend({ format: ResizeRequest.shape.format.catch(undefined) });

/** A validated request and its preview key, as {@link parseResizeRequestWithKey} returns them. */
export interface ParsedResizeRequest {
  /** The request, unknown fields stripped. */
  readonly request: ResizeRequest;
  /** Its preview key, `root_folder/preset_name[@format]/<src_key without rewrite_part/>`. */
  readonly key: string;
}

/**
 * Validates a decoded JSON payload against the request contract, including the preview-key rules of
 * `previewKey`, and returns it with unknown fields stripped, together with the key those rules derived.
 *
 * The key rules are checked whenever the four fields they use are individually valid, even if another
 * field (say `width`) is not, so one call reports every problem.
 *
 * @throws {ResizeRequestError} listing every problem, one line each, e.g.
 * `Expected positive integer for width but received "1440" (string)`.
 */
export function parseResizeRequestWithKey(input: unknown): ParsedResizeRequest {
  const request = ResizeRequest.safeParse(input, { reportInput: true });
  const issues = request.success ? [] : formatIssues(request.error.issues, { rootName: 'request' });

  const keyFields = request.success ? request : PreviewKeyFields.safeParse(input);
  const derived = keyFields.success ? derivePreviewKey(keyFields.data) : undefined;
  if (derived !== undefined && !derived.ok) issues.push(...derived.issues);

  if (!request.success || derived === undefined || !derived.ok || issues.length > 0) {
    throw new ResizeRequestError(issues);
  }
  return { request: request.data, key: derived.key };
}

/**
 * Validates a decoded JSON payload against the request contract (see {@link parseResizeRequestWithKey})
 * and returns it with unknown fields stripped.
 *
 * @throws {ResizeRequestError} listing every problem, one line each.
 */
export function parseResizeRequest(input: unknown): ResizeRequest {
  return parseResizeRequestWithKey(input).request;
}

/**
 * Validates a Lambda answer against the response contract and returns it with unknown fields stripped.
 *
 * @throws {ResizeResponseError} listing every problem, one line each, e.g.
 * `Expected boolean for status but received "true" (string)`.
 */
export function parseResizeResponse(input: unknown): ResizeResponse {
  const response = ResizeResponse.safeParse(input, { reportInput: true });
  if (!response.success) {
    throw new ResizeResponseError(formatIssues(response.error.issues, { rootName: 'response' }));
  }
  return response.data;
}
