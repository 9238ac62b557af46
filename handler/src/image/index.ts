/**
 * The image core of the preview Lambda: the resize pipeline and process-wide sharp tuning (type sniffing
 * is the contract's `sniffImageType`).
 *
 * @module
 */
export * from './defaults.js';
export { type ResizedImage, type ResizeOptions, resizeImage } from './resize.js';
export { type AnimationLimits, type AnimationPlan, animationPlan } from './animation.js';
export { type ColourPath, colourPath } from './colour.js';
export {
  AVIF_CHROMA_SUBSAMPLING,
  AVIF_EFFORT,
  type EncodeOptions,
  encode,
  GIF_OPTIONS,
  previewType,
  WEBP_QUALITY_STEP,
  WEBP_REDUCED_QUALITY_PIXELS,
  WEBP_SMALL_EFFORT,
  WEBP_SMALL_PIXELS,
  type WebpVariantSettings,
  webpVariantSettings,
} from './encode.js';
export { JPEG_SHRINK_ON_LOAD_BANDS, jpegDecodePlan, previewSize, type Size } from './dimensions.js';
export { isSrgbProfile } from './icc.js';
export {
  DEFAULT_SHARP_TUNING,
  RECOMMENDED_MALLOC_ARENA_MAX,
  type SharpTuningOptions,
  tuneSharp,
} from './tuning.js';
