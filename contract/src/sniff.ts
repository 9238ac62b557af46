/**
 * Image type detection from magic bytes, the one rule for it: the function sniffs originals with it, the
 * proxy its placeholder images, and nginx serves inline exactly the types it reads.
 *
 * The type of a source is decided by its first bytes only, never by its key's extension or its S3
 * `Content-Type`: both are chosen by whoever uploaded it.
 *
 * @module
 */

import { PREVIEW_CONTENT_TYPES, type PreviewContentType } from './schemas.js';

/** The image types of previews (the contract's `content_type`). */
export type ImageType = PreviewContentType;

/** Every {@link ImageType}, in a stable order. */
export const IMAGE_TYPES: readonly ImageType[] = PREVIEW_CONTENT_TYPES;

/**
 * The types an original is recognised as: every {@link ImageType} (AVIF's source-format preview is JPEG
 * or PNG) and HEIC (recognised in order to be refused by name: the bundled libvips has no HEVC decoder).
 */
export type SourceType = ImageType | 'image/heic';

/** Every {@link SourceType}, in a stable order. */
export const SOURCE_TYPES: readonly SourceType[] = [...PREVIEW_CONTENT_TYPES, 'image/heic'];

/**
 * The types of the originals the function previews (every {@link SourceType} but HEIC, which it refuses):
 * what nginx serves inline, as images, under the originals prefix and the preview root.
 */
export const DECODED_TYPES: readonly SourceType[] = SOURCE_TYPES.filter((type) => type !== 'image/heic');

/** ISO BMFF brands of AVIF (AV1 Image File Format, §9). */
const AVIF_BRANDS = new Set(['avif', 'avis']);

/** ISO BMFF brands of HEIF files (ISO/IEC 23008-12, Annex B), HEVC-coded unless an AVIF brand is present. */
const HEIF_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs', 'mif1', 'msf1']);

/** The brands of an ISO BMFF `ftyp` box at the start of `bytes` (major brand first), or `[]`. */
export function isoBrands(bytes: Uint8Array): string[] {
  if (!hasAscii(bytes, 4, 'ftyp') || bytes.length < 16) return [];
  const size = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  const end = Math.min(size, bytes.length, 4096);
  const brands = [String.fromCharCode(...bytes.subarray(8, 12))];
  for (let offset = 16; offset + 4 <= end; offset += 4) {
    brands.push(String.fromCharCode(...bytes.subarray(offset, offset + 4)));
  }
  return brands;
}

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
 * The type of `bytes`, judged by its magic bytes alone, or `undefined` when it is none of the
 * {@link SOURCE_TYPES}.
 *
 * - JPEG: `FF D8 FF` (SOI followed by the first marker);
 * - PNG: the 8-byte signature `89 50 4E 47 0D 0A 1A 0A`;
 * - WebP: `RIFF` + 4-byte size + `WEBP`;
 * - GIF: `GIF87a` or `GIF89a`;
 * - AVIF: an ISO BMFF `ftyp` box listing the brand `avif` or `avis`;
 * - HEIC: an `ftyp` box with a HEIF brand (`heic`, `heix`, `mif1`…) and no AVIF brand.
 *
 * Only the first bytes are read (at most the `ftyp` box); a truncated or corrupt body still sniffs as
 * its type (decoding reports it later).
 *
 * @example
 * ```ts
 * sniffImageType(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])); // 'image/jpeg'
 * sniffImageType(new TextEncoder().encode('hello')); // undefined
 * ```
 */
export function sniffImageType(bytes: Uint8Array): SourceType | undefined {
  if (hasBytes(bytes, 0, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (hasBytes(bytes, 0, PNG_SIGNATURE)) return 'image/png';
  if (hasAscii(bytes, 0, 'RIFF') && hasAscii(bytes, 8, 'WEBP')) return 'image/webp';
  if (hasAscii(bytes, 0, 'GIF87a') || hasAscii(bytes, 0, 'GIF89a')) return 'image/gif';
  const brands = isoBrands(bytes);
  if (brands.some((brand) => AVIF_BRANDS.has(brand))) return 'image/avif';
  if (brands.some((brand) => HEIF_BRANDS.has(brand))) return 'image/heic';
  return undefined;
}
