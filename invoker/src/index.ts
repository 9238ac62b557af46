/**
 * Typed client for the preview Lambda, for the nginx-side proxy.
 *
 * - {@link PreviewInvoker}: validates the request, invokes the function, waits on in-progress duplicates
 *   and returns a {@link PreviewResult} (`preview`, `stored` or `failed`).
 * - {@link InvokerError} and its subclasses: every failure, each with a stable `code`.
 * - The contract's types ({@link ResizeRequest}, {@link ResizeResponse}, {@link ResizeErrorCode}), so
 *   that consumers need only this package.
 *
 * @module
 */
import type {
  ResizeErrorCode as ContractResizeErrorCode,
  ResizeRequest as ContractResizeRequest,
  ResizeResponse as ContractResizeResponse,
} from '@preview-lambda/contract';

/**
 * The resize request, field for field the JSON the Go Lambda decoded: `src_key`, `src_bucket`,
 * `dst_bucket`, `root_folder`, `preset_name`, `rewrite_part` (strings) and `width` (positive integer);
 * plus the optional `format` (`'avif'` or `'webp'`) of a variant, which the preset must list. Without
 * `format` it is exactly the Go payload.
 */
export type ResizeRequest = ContractResizeRequest;

/**
 * The function's answer: `status`, `key`, `content_type`, `data` (base64), `error`, and `code` on
 * failures.
 */
export type ResizeResponse = ContractResizeResponse;

/** Machine-readable reason of a failed resize (`failed` results and `response.code`). */
export type ResizeErrorCode = ContractResizeErrorCode;

export {
  DEFAULT_IN_PROGRESS,
  DEFAULT_TIMEOUT_MS,
  LEGACY_EMPTY_SUCCESS_CODE,
  LEGACY_FAILURE_CODE,
} from './constants.js';
export {
  ConfigurationError,
  DeadlineExceededError,
  type DeadlineExceededDetails,
  FunctionError,
  type FunctionErrorDetails,
  InvalidRequestError,
  InvalidResponseError,
  InvocationAbortedError,
  InvokeFailedError,
  type InvokeFailedDetails,
  InvokerError,
  type InvokerErrorCode,
} from './errors.js';
export { PreviewInvoker } from './preview-invoker.js';
export type {
  InProgressOptions,
  PreviewBytesResult,
  PreviewFailedResult,
  PreviewInvokeOptions,
  PreviewInvokerBaseOptions,
  PreviewInvokerClientOptions,
  PreviewInvokerObserver,
  PreviewInvokerOptions,
  PreviewResult,
  PreviewResultBase,
  PreviewResultKind,
  PreviewStoredResult,
} from './types.js';
