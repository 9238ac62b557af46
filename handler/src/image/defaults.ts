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
