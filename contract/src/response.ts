import type { ResizeErrorCode, ResizeResponse } from './schemas.js';
import { utf8ByteLength } from './utf8.js';

/** What a successful resize produced. */
export interface SuccessResponseInput {
  /** Key of the preview in the destination bucket. */
  key: string;
  /** MIME type of the preview. */
  contentType: string;
  /** Base64 of the preview bytes (may be empty when the preview is too large to inline). */
  data: string;
}

/** Builds the response of a successful resize: `status: true`, `error: ''` and no `code`. */
export function successResponse(input: SuccessResponseInput): ResizeResponse {
  return { status: true, key: input.key, content_type: input.contentType, data: input.data, error: '' };
}

/** Builds the response of a failed resize: `status: false`, empty `key`, `content_type` and `data`. */
export function failureResponse(code: ResizeErrorCode, message: string): ResizeResponse {
  return { status: false, key: '', content_type: '', data: '', error: message, code };
}

/** Go's encoding/json always escapes U+2028 and U+2029; `JSON.stringify` does not. */
const LINE_SEPARATORS = /[\u2028\u2029]/g;

/**
 * Serializes a response exactly as the Go Lambda did: fields in the order `status`, `key`,
 * `content_type`, `data`, `error` (then `code` when present) whatever the object's own key order, no
 * whitespace, no trailing newline, and U+2028/U+2029 escaped like Go's encoding/json. Other properties
 * are dropped.
 */
export function serializeResponse(response: ResizeResponse): string {
  const ordered = {
    status: response.status,
    key: response.key,
    content_type: response.content_type,
    data: response.data,
    error: response.error,
    ...(response.code === undefined ? {} : { code: response.code }),
  };
  return JSON.stringify(ordered).replace(LINE_SEPARATORS, (character) =>
    character === '\u2028' ? '\\u2028' : '\\u2029',
  );
}

/**
 * Size in bytes of the UTF-8 encoded {@link serializeResponse} output, to compare with
 * `LAMBDA_SYNC_RESPONSE_LIMIT_BYTES`.
 */
export function responseByteLength(response: ResizeResponse): number {
  return utf8ByteLength(serializeResponse(response));
}
