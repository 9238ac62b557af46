/**
 * The options of `resizeImage` and their defaults.
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
 * `options` with the defaults applied. Not validated again: the type says what they are, and the handler
 * passes values its configuration schema has checked.
 */
export function resolveOptions(options: ResizeOptions): Required<ResizeOptions> {
  return {
    width: options.width,
    withoutEnlargement: options.withoutEnlargement ?? DEFAULT_WITHOUT_ENLARGEMENT,
    jpegQuality: options.jpegQuality ?? DEFAULT_JPEG_QUALITY,
    maxInputPixels: options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS,
  };
}
