/**
 * The options of `resizeImage` and their defaults.
 *
 * @module
 */
import type { OutputFormat } from '@preview-lambda/contract';
import {
  DEFAULT_AVIF_QUALITY,
  DEFAULT_JPEG_QUALITY,
  DEFAULT_MAX_ANIMATION_FRAMES,
  DEFAULT_MAX_ANIMATION_PIXELS,
  DEFAULT_MAX_INPUT_PIXELS,
  DEFAULT_WEBP_QUALITY,
  DEFAULT_WITHOUT_ENLARGEMENT,
} from './defaults.js';

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
  /**
   * Output format of a variant (`avif`, `webp`); absent: the source-format preview (the source's own
   * type, as the function always made it). An animated preview asked for as AVIF is animated WebP.
   */
  format?: OutputFormat | undefined;
  /**
   * WebP quality of WebP variants over 1 MP, 1 to 100 (default {@link DEFAULT_WEBP_QUALITY}); smaller
   * variants are encoded 2 lower, and up to 0.25 MP at effort 6 (`webpVariantSettings`).
   */
  webpQuality?: number;
  /** AVIF quality of AVIF variants, 1 to 100 (default {@link DEFAULT_AVIF_QUALITY}). */
  avifQuality?: number;
  /**
   * Most frames an animated GIF or WebP preview keeps (default {@link DEFAULT_MAX_ANIMATION_FRAMES});
   * beyond it the first frame is previewed.
   */
  maxAnimationFrames?: number;
  /**
   * Most pixels of all frames of an animated preview together: frames × width × height of the larger of
   * one source frame and one preview frame (default {@link DEFAULT_MAX_ANIMATION_PIXELS}; see
   * `animationPlan`); beyond it the first frame is previewed.
   */
  maxAnimationPixels?: number;
}

/** {@link ResizeOptions} with every default applied (`format` stays optional: absent means source format). */
export type ResolvedOptions = Required<Omit<ResizeOptions, 'format'>> & Pick<ResizeOptions, 'format'>;

/**
 * `options` with the defaults applied. Not validated again: the type says what they are, and the handler
 * passes values its configuration schema has checked.
 */
export function resolveOptions(options: ResizeOptions): ResolvedOptions {
  return {
    width: options.width,
    withoutEnlargement: options.withoutEnlargement ?? DEFAULT_WITHOUT_ENLARGEMENT,
    jpegQuality: options.jpegQuality ?? DEFAULT_JPEG_QUALITY,
    maxInputPixels: options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS,
    format: options.format,
    webpQuality: options.webpQuality ?? DEFAULT_WEBP_QUALITY,
    avifQuality: options.avifQuality ?? DEFAULT_AVIF_QUALITY,
    maxAnimationFrames: options.maxAnimationFrames ?? DEFAULT_MAX_ANIMATION_FRAMES,
    maxAnimationPixels: options.maxAnimationPixels ?? DEFAULT_MAX_ANIMATION_PIXELS,
  };
}
