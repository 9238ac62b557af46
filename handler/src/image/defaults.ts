/**
 * Defaults of the resize options, kept apart from the sharp pipeline so that the configuration schema can
 * use them without loading sharp.
 *
 * @module
 */

/** Default `ResizeOptions.withoutEnlargement`. */
export const DEFAULT_WITHOUT_ENLARGEMENT = true;
/** Default `ResizeOptions.jpegQuality` (the Go Lambda's quality). */
export const DEFAULT_JPEG_QUALITY = 70;
/** Default `ResizeOptions.maxInputPixels`. */
export const DEFAULT_MAX_INPUT_PIXELS = 100_000_000;
/** Default `ResizeOptions.webpQuality`: the lowest quality within 0.003 SSIM of the JPEG q70 previews (`npm run bench:quality`). */
export const DEFAULT_WEBP_QUALITY = 65;
/** Default `ResizeOptions.avifQuality`: the lowest quality within 0.003 SSIM of the JPEG q70 previews (`npm run bench:quality`). */
export const DEFAULT_AVIF_QUALITY = 55;
/** Default `ResizeOptions.maxAnimationFrames`: 6 s at 25 frames per second. */
export const DEFAULT_MAX_ANIMATION_FRAMES = 150;
/**
 * Default `ResizeOptions.maxAnimationPixels`, all frames together (e.g. 100 frames of 480x250). An
 * animated GIF preview costs about 0.2-0.35 s of CPU per million pixels encoded (cgif quantises every
 * frame), animated WebP about 0.11 s (`npm run bench`, animated previews): at this limit the slowest case,
 * a GIF previewed at its own size, takes about 3-4 s, within the function's 10 s with S3 around it.
 */
export const DEFAULT_MAX_ANIMATION_PIXELS = 12_000_000;
