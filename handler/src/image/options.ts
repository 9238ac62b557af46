/**
 * The options of `resizeImage`, their defaults and their validation (sharp-style messages).
 *
 * @module
 */
import { DEFAULT_JPEG_QUALITY, DEFAULT_MAX_INPUT_PIXELS, DEFAULT_WITHOUT_ENLARGEMENT } from './defaults.js';

/** Options of `resizeImage`. */
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

/**
 * Sharp-style message for a bad argument, e.g.
 * `Expected positive integer for width but received 0 of type number`.
 */
export function invalidParameterError(name: string, expected: string, actual: unknown): Error {
  return new Error(
    `Expected ${expected} for ${name} but received ${String(actual).slice(0, 100)} of type ${typeof actual}`,
  );
}

function isPositiveInteger(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

/**
 * `options` with defaults applied.
 *
 * @throws {Error} sharp-style message naming the first bad field.
 */
export function resolveOptions(options: ResizeOptions): Required<ResizeOptions> {
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
