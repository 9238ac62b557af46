/**
 * The resize core: one source image in, one preview of the same type out. Pure (no I/O besides libvips),
 * so the handler, local tools and the benchmark share it.
 *
 * @module
 */
import sharp, { type FailOnOptions, type Metadata, type OutputInfo, type Sharp } from 'sharp';
import { CorruptImageError, NotAnImageError, TooManyPixelsError } from '../errors.js';
import { DEFAULT_JPEG_QUALITY, DEFAULT_MAX_INPUT_PIXELS, DEFAULT_WITHOUT_ENLARGEMENT } from './defaults.js';
import { type ImageType, sniffImageType } from './sniff.js';

/** Options of {@link resizeImage}. */
export interface ResizeOptions {
  /**
   * Width of the preview in pixels (a positive integer); the height follows the aspect ratio. Applies to
   * the image as displayed, i.e. after EXIF auto-orientation.
   */
  width: number;
  /** Keep sources narrower than `width` at their own width instead of enlarging them (default `true`). */
  withoutEnlargement?: boolean;
  /** JPEG quality of JPEG previews, an integer from 1 to 100 (default 70, as the Go Lambda did). */
  jpegQuality?: number;
  /**
   * Largest accepted source, in pixels (width x height as declared by its header), checked before any
   * pixel is decoded (default 100,000,000: a 100 MP source decodes to ~400 MB of RGBA at most).
   */
  maxInputPixels?: number;
}

/** What {@link resizeImage} made, and from what. */
export interface ResizedImage {
  /** The encoded preview. */
  data: Buffer;
  /** MIME type of `data`: always the source's own type. */
  contentType: ImageType;
  /** Width of the preview in pixels. */
  width: number;
  /** Height of the preview in pixels. */
  height: number;
  /** The source image. */
  source: {
    /** Type sniffed from the source's magic bytes. */
    type: ImageType;
    /** Width in pixels as displayed (after EXIF auto-orientation). */
    width: number;
    /** Height in pixels as displayed (after EXIF auto-orientation). */
    height: number;
    /** Size of the encoded source in bytes. */
    bytes: number;
  };
}

export { DEFAULT_JPEG_QUALITY, DEFAULT_MAX_INPUT_PIXELS, DEFAULT_WITHOUT_ENLARGEMENT } from './defaults.js';

/**
 * When libvips gives up on invalid pixel data. `'error'` rejects truncated data (which `'none'` would let
 * through with a grey lower part) and decoder errors, while tolerating the benign decoder warnings that
 * many cameras and editors trigger (e.g. libjpeg's "Corrupt JPEG data: 2 extraneous bytes before marker"),
 * which sharp's default `'warning'` rejects although browsers display those files (lovell/sharp#4149).
 */
const FAIL_ON = 'error' satisfies FailOnOptions;

/**
 * Sharp-style message for a bad argument, e.g.
 * `Expected positive integer for width but received 0 of type number`.
 */
function invalidParameterError(name: string, expected: string, actual: unknown): Error {
  return new Error(
    `Expected ${expected} for ${name} but received ${String(actual).slice(0, 100)} of type ${typeof actual}`,
  );
}

function isPositiveInteger(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

/** `options` with defaults applied, or a sharp-style error naming the first bad field. */
function resolveOptions(options: ResizeOptions): Required<ResizeOptions> {
  if (typeof options !== 'object' || options === null) {
    throw invalidParameterError('options', 'object', options);
  }
  const {
    width,
    withoutEnlargement = DEFAULT_WITHOUT_ENLARGEMENT,
    jpegQuality = DEFAULT_JPEG_QUALITY,
    maxInputPixels = DEFAULT_MAX_INPUT_PIXELS,
  } = options;
  if (!isPositiveInteger(width)) throw invalidParameterError('width', 'positive integer', width);
  if (typeof withoutEnlargement !== 'boolean') {
    throw invalidParameterError('withoutEnlargement', 'boolean', withoutEnlargement);
  }
  if (!Number.isInteger(jpegQuality) || jpegQuality < 1 || jpegQuality > 100) {
    throw invalidParameterError('jpegQuality', 'integer between 1 and 100', jpegQuality);
  }
  if (!isPositiveInteger(maxInputPixels)) {
    throw invalidParameterError('maxInputPixels', 'positive integer', maxInputPixels);
  }
  return { width, withoutEnlargement, jpegQuality, maxInputPixels };
}

/** The first bytes of `bytes` as lower-case hex, e.g. `ff 00 12 …` (for error messages). */
function hexPrefix(bytes: Uint8Array, count = 8): string {
  const hex = Array.from(bytes.subarray(0, count), (byte) => byte.toString(16).padStart(2, '0')).join(' ');
  return bytes.length > count ? `${hex} …` : hex;
}

/** Why `bytes` is not an image we read, for {@link NotAnImageError}. */
function describeNonImage(bytes: Uint8Array): string {
  const signature = hexPrefix(bytes);
  return `unrecognised signature ${signature} (${bytes.length} bytes; expected JPEG, PNG, WebP or GIF)`;
}

/** The message of a libvips/sharp error on one line: libvips joins repeated lines with newlines. */
function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const lines = message.split('\n').map((line) => line.trim());
  return [...new Set(lines.filter((line) => line !== ''))].join('; ');
}

/** Encoder for a preview of `type`: always the source's own format. */
function encode(pipeline: Sharp, type: ImageType, jpegQuality: number): Sharp {
  switch (type) {
    case 'image/jpeg':
      // mozjpeg's defaults as sharp sets them (4:2:0 below q90, optimised Huffman tables, baseline).
      return pipeline.jpeg({ quality: jpegQuality });
    case 'image/png':
      return pipeline.png();
    case 'image/webp':
      return pipeline.webp();
    case 'image/gif':
      return pipeline.gif();
  }
}

/**
 * Resize an encoded image to `options.width` pixels wide (height by aspect ratio) and re-encode it in its
 * own format.
 *
 * Steps, in order:
 * 1. the type is sniffed from the magic bytes ({@link sniffImageType}): nothing else is decoded;
 * 2. the header is read (no pixel is decoded) and its dimensions are checked against `maxInputPixels`;
 *    sharp's `limitInputPixels` repeats the check as a second line of defence;
 * 3. one libvips pipeline: EXIF auto-orientation, resize with the Lanczos-3 kernel (aspect kept, no
 *    enlargement unless allowed), conversion to sRGB (CMYK and ICC-tagged sources included), metadata
 *    stripped (no EXIF, ICC, XMP), first frame only for animated GIF/WebP. JPEG sources are decoded with
 *    libjpeg's DCT scaling (shrink-on-load), WebP with its scaled decoder, all read sequentially.
 *
 * @throws {NotAnImageError} `input` is empty or is not a JPEG, PNG, WebP or GIF.
 * @throws {TooManyPixelsError} the header declares more than `maxInputPixels` pixels.
 * @throws {CorruptImageError} the header or the pixel data cannot be read (corrupt or truncated).
 * @throws {Error} an argument is invalid (sharp-style message, e.g. `Expected positive integer for width
 * but received 0 of type number`).
 *
 * @example
 * ```ts
 * const preview = await resizeImage(bytes, { width: 1440 });
 * // preview.contentType === 'image/jpeg', preview.width === 1440 (or less: no enlargement)
 * ```
 */
export async function resizeImage(input: Uint8Array, options: ResizeOptions): Promise<ResizedImage> {
  if (!(input instanceof Uint8Array)) throw invalidParameterError('input', 'Uint8Array', input);
  const { width, withoutEnlargement, jpegQuality, maxInputPixels } = resolveOptions(options);

  if (input.length === 0) throw new NotAnImageError('empty file (0 bytes)');
  const type = sniffImageType(input);
  if (type === undefined) throw new NotAnImageError(describeNonImage(input));

  // A view, not a copy.
  const buffer = Buffer.isBuffer(input)
    ? input
    : Buffer.from(input.buffer, input.byteOffset, input.byteLength);

  // Header only: libvips parses the header and decodes no pixel. Its own pixel limit is off here so that
  // an oversized image is reported with its dimensions.
  let header: Metadata;
  try {
    header = await sharp(buffer, { failOn: FAIL_ON, limitInputPixels: false }).metadata();
  } catch (error) {
    throw new CorruptImageError(`unreadable ${type} header: ${messageOf(error)}`, { cause: error });
  }
  const declaredWidth = header.width;
  const declaredHeight = header.pageHeight ?? header.height;
  if (declaredWidth * declaredHeight > maxInputPixels) {
    throw new TooManyPixelsError(declaredWidth, declaredHeight, maxInputPixels);
  }

  const pipeline = sharp(buffer, {
    autoOrient: true,
    failOn: FAIL_ON,
    limitInputPixels: maxInputPixels,
    sequentialRead: true,
    page: 0,
    pages: 1,
  })
    // Width only and no pre-resize operation: keeps sharp's shrink-on-load for JPEG and WebP.
    .resize({ width, withoutEnlargement, kernel: sharp.kernel.lanczos3 })
    .toColourspace('srgb');

  let output: { data: Buffer; info: OutputInfo };
  try {
    output = await encode(pipeline, type, jpegQuality).toBuffer({ resolveWithObject: true });
  } catch (error) {
    const message = messageOf(error);
    if (message.includes('exceeds pixel limit')) {
      throw new TooManyPixelsError(declaredWidth, declaredHeight, maxInputPixels);
    }
    throw new CorruptImageError(`cannot decode ${type}: ${message}`, { cause: error });
  }

  const sourceWidth = header.autoOrient?.width ?? declaredWidth;
  const sourceHeight = header.autoOrient?.height ?? declaredHeight;
  return {
    data: output.data,
    contentType: type,
    width: output.info.width,
    height: output.info.height,
    source: { type, width: sourceWidth, height: sourceHeight, bytes: input.length },
  };
}
