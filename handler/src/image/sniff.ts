/**
 * Image type detection from magic bytes.
 *
 * The type of a source is decided by its first bytes only, never by its key's extension or its S3
 * `Content-Type`: both are chosen by whoever uploaded it.
 *
 * @module
 */

import { PREVIEW_CONTENT_TYPES, type PreviewContentType } from '@preview-lambda/contract';

/** The image types the preview Lambda reads and writes; a preview always has the type of its source. */
export type ImageType = PreviewContentType;

/** Every {@link ImageType}, in a stable order. */
export const IMAGE_TYPES: readonly ImageType[] = PREVIEW_CONTENT_TYPES;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;

/** Whether `bytes` holds `expected` starting at `offset`. */
function hasBytes(bytes: Uint8Array, offset: number, expected: readonly number[]): boolean {
  if (bytes.length < offset + expected.length) return false;
  return expected.every((value, i) => bytes[offset + i] === value);
}

/** Whether `bytes` holds the ASCII string `text` starting at `offset`. */
function hasAscii(bytes: Uint8Array, offset: number, text: string): boolean {
  return hasBytes(
    bytes,
    offset,
    Array.from(text, (char) => char.charCodeAt(0)),
  );
}

/**
 * The image type of `bytes`, judged by its magic bytes alone, or `undefined` when it is none of the
 * supported types.
 *
 * - JPEG: `FF D8 FF` (SOI followed by the first marker);
 * - PNG: the 8-byte signature `89 50 4E 47 0D 0A 1A 0A`;
 * - WebP: `RIFF` + 4-byte size + `WEBP`;
 * - GIF: `GIF87a` or `GIF89a`.
 *
 * Only the first 12 bytes are read; a truncated or corrupt body still sniffs as its type (decoding
 * reports it later).
 *
 * @example
 * ```ts
 * sniffImageType(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])); // 'image/jpeg'
 * sniffImageType(new TextEncoder().encode('hello')); // undefined
 * ```
 */
export function sniffImageType(bytes: Uint8Array): ImageType | undefined {
  if (hasBytes(bytes, 0, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (hasBytes(bytes, 0, PNG_SIGNATURE)) return 'image/png';
  if (hasAscii(bytes, 0, 'RIFF') && hasAscii(bytes, 8, 'WEBP')) return 'image/webp';
  if (hasAscii(bytes, 0, 'GIF87a') || hasAscii(bytes, 0, 'GIF89a')) return 'image/gif';
  return undefined;
}
