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
/**
 * Default `ResizeOptions.webpQuality`: the lowest quality whose preview's SSIM (full resolution, against the
 * unencoded pixels) is at most 0.003 below the JPEG q70 preview's on every photograph of
 * `npm run bench:quality` at 1440 and 320 px (the worst photo counts). At that look WebP saves bytes on
 * clean photos and spends more on noisy ones: about as many bytes as JPEG on average. It is the quality of
 * variants over 1 MP; smaller ones, where this look is more than needed, are encoded 2 lower
 * (`webpVariantSettings`).
 */
export const DEFAULT_WEBP_QUALITY = 82;
/**
 * Default `ResizeOptions.avifQuality`: the lowest quality by the same rule as {@link DEFAULT_WEBP_QUALITY}
 * (with `AVIF_EFFORT`); about a third fewer bytes than the JPEG q70 previews.
 */
export const DEFAULT_AVIF_QUALITY = 60;
/** Default `ResizeOptions.maxAnimationFrames`: 6 s at 25 frames per second. */
export const DEFAULT_MAX_ANIMATION_FRAMES = 150;
/**
 * Default `ResizeOptions.maxAnimationPixels`, all frames together (e.g. 90 frames of 480x270). An animated
 * GIF preview of a photographic GIF costs about 0.2 s of CPU per million source pixels (cgif quantises
 * every frame anew), animated WebP 0.06-0.12 s (`npm run bench`, animated previews): at this limit the
 * slowest case, a GIF previewed at its own size, takes about 2.4 s of CPU, 2.7 s at the template's
 * 1536 MB (0.87 vCPU), within the function's 10 s with S3 around it.
 */
export const DEFAULT_MAX_ANIMATION_PIXELS = 12_000_000;
