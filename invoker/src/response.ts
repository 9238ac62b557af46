import type { InvokeCommandOutput } from '@aws-sdk/client-lambda';
import {
  ResizeResponseError as ContractResponseError,
  describeReceived,
  parseResizeResponse,
  RESIZE_ERROR_CODE_DESCRIPTIONS,
  type ResizeResponse,
} from '@preview-lambda/contract';
import {
  IN_PROGRESS_ERROR_TYPE,
  LEGACY_EMPTY_SUCCESS_CODE,
  LEGACY_FAILURE_CODE,
  MAX_PAYLOAD_EXCERPT_CHARS,
} from './constants.js';
import { FunctionError, type FunctionErrorDetails, InvalidResponseError } from './errors.js';
import type { PreviewResult } from './types.js';

/** Decodes response payloads; `fatal` makes invalid UTF-8 an error instead of U+FFFD. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
/** Decodes function-error payloads, which are only read for their message. */
const LENIENT_UTF8 = new TextDecoder();

/** What one invocation answered. */
type InvocationOutcome =
  /** Another execution of the same request is in progress: wait and invoke again. */
  | { readonly kind: 'in-progress' }
  /** The function answered for good. */
  | { readonly kind: 'settled'; readonly result: PreviewResult };

/**
 * Interprets the output of one `Invoke` call.
 *
 * @throws {FunctionError} the function failed, unless it reported an in-progress duplicate.
 * @throws {InvalidResponseError} the payload is not UTF-8 JSON satisfying the response contract.
 */
export function interpretOutput(output: InvokeCommandOutput, attempts: number): InvocationOutcome {
  const logTail = (): string | undefined =>
    output.LogResult === undefined ? undefined : Buffer.from(output.LogResult, 'base64').toString('utf8');
  if (output.FunctionError !== undefined && output.FunctionError !== '') {
    const details = functionErrorDetails(output.FunctionError, output.Payload);
    if (details.errorType === IN_PROGRESS_ERROR_TYPE) {
      return { kind: 'in-progress' };
    }
    throw new FunctionError({ ...details, logTail: logTail() });
  }
  const response = decodeResponse(output.Payload);
  return { kind: 'settled', result: toResult(response, attempts, logTail()) };
}

/** Turns a validated response into the matching {@link PreviewResult}. */
function toResult(response: ResizeResponse, attempts: number, logTail?: string): PreviewResult {
  const extra = logTail === undefined ? { response, attempts } : { response, attempts, logTail };
  if (!response.status) {
    const code = response.code ?? LEGACY_FAILURE_CODE;
    return { kind: 'failed', code, message: response.error || RESIZE_ERROR_CODE_DESCRIPTIONS[code], ...extra };
  }
  if (response.data !== '') {
    return {
      kind: 'preview',
      key: response.key,
      contentType: response.content_type,
      bytes: Buffer.from(response.data, 'base64'),
      ...extra,
    };
  }
  if (response.key === '') {
    const code = LEGACY_EMPTY_SUCCESS_CODE;
    return {
      kind: 'failed',
      code,
      message: `The function reported success without a key or data: ${RESIZE_ERROR_CODE_DESCRIPTIONS[code]}`,
      ...extra,
    };
  }
  return { kind: 'stored', key: response.key, contentType: response.content_type, ...extra };
}

/**
 * Decodes and validates a response payload.
 *
 * @throws {InvalidResponseError} the payload is missing, not UTF-8, not JSON, or breaks the contract.
 */
function decodeResponse(payload: Uint8Array | undefined): ResizeResponse {
  // The SDK gives `null`, not `undefined`, for an empty body, whatever its types say.
  if (!(payload instanceof Uint8Array) || payload.byteLength === 0) {
    throw new InvalidResponseError(['Expected a JSON payload but received an empty one']);
  }
  let text: string;
  try {
    text = STRICT_UTF8.decode(payload);
  } catch (error) {
    throw new InvalidResponseError([`Expected UTF-8 JSON but received ${payload.byteLength} undecodable bytes`], {
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidResponseError([`Expected JSON but received ${describeReceived(text)}`], {
      cause: error,
    });
  }
  try {
    return parseResizeResponse(json);
  } catch (error) {
    if (error instanceof ContractResponseError) {
      throw new InvalidResponseError(error.issues, { cause: error });
    }
    throw error;
  }
}

/** Reads the `{errorType, errorMessage, trace|stackTrace}` payload of a function error. */
function functionErrorDetails(functionError: string, payload: Uint8Array | undefined): FunctionErrorDetails {
  const text = payload instanceof Uint8Array ? LENIENT_UTF8.decode(payload) : '';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const record = json !== null && typeof json === 'object' ? (json as Record<string, unknown>) : {};
  const trace = Array.isArray(record.trace) ? record.trace : record.stackTrace;
  return {
    functionError,
    errorType: typeof record.errorType === 'string' && record.errorType !== '' ? record.errorType : 'Unknown',
    errorMessage: typeof record.errorMessage === 'string' ? record.errorMessage : excerpt(text),
    trace: Array.isArray(trace) ? trace.filter((line): line is string => typeof line === 'string') : [],
  };
}

function excerpt(text: string): string {
  return text.length > MAX_PAYLOAD_EXCERPT_CHARS ? `${text.slice(0, MAX_PAYLOAD_EXCERPT_CHARS)}…` : text;
}
