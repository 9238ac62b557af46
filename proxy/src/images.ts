/**
 * The placeholder images served instead of a preview: "not found" (404: unknown preset, missing or
 * unusable original) and "error" (5xx: the function failed, timed out or the proxy is overloaded).
 *
 * The built-in ones are small SVGs kept in code, so the proxy needs no asset files; `NOT_FOUND_IMAGE` and
 * `ERROR_IMAGE` replace them with a PNG, JPEG, GIF, WebP or SVG file.
 */
import { createHash } from 'node:crypto';
import { sniffImageType } from '@preview-lambda/contract';

/** An image served as the body of a 4xx/5xx answer. */
export interface PlaceholderImage {
  /** The image bytes. */
  readonly bytes: Buffer;
  /** Its MIME type, sniffed from the bytes. */
  readonly contentType: PlaceholderContentType;
  /** Strong ETag: the quoted MD5 hex of the bytes. */
  readonly etag: string;
  /** Where it came from: `built-in` or the file path. */
  readonly source: string;
}

/** The raster types a placeholder image may have: those every browser shows. */
const PLACEHOLDER_RASTER_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;

/** The MIME types a placeholder image may have. */
export type PlaceholderContentType = (typeof PLACEHOLDER_RASTER_TYPES)[number] | 'image/svg+xml';

const FONT = `font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"`;

/** SVG source of the built-in "not found" image: a crossed-out picture and "Image not found". */
const NOT_FOUND_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240" viewBox="0 0 320 240" role="img" aria-label="Image not found">
<rect width="320" height="240" fill="#f1f3f5"/>
<g fill="none" stroke="#adb5bd" stroke-width="6" stroke-linecap="round" stroke-linejoin="round">
<rect x="118" y="52" width="84" height="66" rx="8"/>
<path d="M126 108l22-24 16 16 10-10 20 18"/>
</g>
<circle cx="182" cy="72" r="7" fill="#adb5bd"/>
<path d="M110 46l100 80" stroke="#f1f3f5" stroke-width="14" stroke-linecap="round"/>
<path d="M110 46l100 80" stroke="#868e96" stroke-width="6" stroke-linecap="round"/>
<text x="160" y="164" text-anchor="middle" ${FONT} font-size="20" font-weight="600" fill="#495057">Image not found</text>
<text x="160" y="190" text-anchor="middle" ${FONT} font-size="13" fill="#868e96">The original is missing or is not an image</text>
</svg>
`;

/** SVG source of the built-in "error" image: a warning sign and "Preview unavailable". */
const ERROR_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240" viewBox="0 0 320 240" role="img" aria-label="Preview unavailable">
<rect width="320" height="240" fill="#fff4e6"/>
<path d="M160 44l44 78h-88z" fill="none" stroke="#f08c00" stroke-width="6" stroke-linejoin="round"/>
<path d="M160 70v26" stroke="#f08c00" stroke-width="7" stroke-linecap="round"/>
<circle cx="160" cy="109" r="4.5" fill="#f08c00"/>
<text x="160" y="164" text-anchor="middle" ${FONT} font-size="20" font-weight="600" fill="#5c3a00">Preview unavailable</text>
<text x="160" y="190" text-anchor="middle" ${FONT} font-size="13" fill="#9c6b1a">Please try again in a moment</text>
</svg>
`;

/** The built-in "not found" image. */
export const BUILT_IN_NOT_FOUND_IMAGE = placeholder(Buffer.from(NOT_FOUND_SVG, 'utf8'), 'image/svg+xml', 'built-in');

/** The built-in "error" image. */
export const BUILT_IN_ERROR_IMAGE = placeholder(Buffer.from(ERROR_SVG, 'utf8'), 'image/svg+xml', 'built-in');

/**
 * Makes a placeholder from a file's bytes, or returns `undefined` when they are not a PNG, JPEG, GIF,
 * WebP or SVG image.
 */
export function placeholderFromBytes(bytes: Buffer, source: string): PlaceholderImage | undefined {
  const contentType = sniffPlaceholderType(bytes);
  return contentType === undefined ? undefined : placeholder(bytes, contentType, source);
}

/**
 * The MIME type of `bytes`: a raster type by the contract's magic-byte rule (`sniffImageType`), or SVG by
 * its root element; `undefined` for anything else.
 */
export function sniffPlaceholderType(bytes: Uint8Array): PlaceholderContentType | undefined {
  const raster = sniffImageType(bytes);
  if (raster !== undefined && (PLACEHOLDER_RASTER_TYPES as readonly string[]).includes(raster)) {
    return raster as PlaceholderContentType;
  }
  const head = Buffer.from(bytes.subarray(0, 4096)).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (SVG_START.test(head)) return 'image/svg+xml';
  return undefined;
}

/** An optional XML declaration, comments and doctype, then the `<svg` root element. */
const SVG_START = /^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*|<!DOCTYPE[^>]*>\s*)*<svg[\s>]/i;

/** Strong ETag of `bytes`: the quoted MD5 hex, as S3 gives an object uploaded in one part. */
export function md5Etag(bytes: Uint8Array): string {
  return `"${createHash('md5').update(bytes).digest('hex')}"`;
}

function placeholder(bytes: Buffer, contentType: PlaceholderContentType, source: string): PlaceholderImage {
  return Object.freeze({ bytes, contentType, etag: md5Etag(bytes), source });
}
