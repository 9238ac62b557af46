/**
 * The image core of the preview Lambda: the resize pipeline and process-wide sharp tuning (type sniffing
 * is the contract's `sniffImageType`).
 *
 * @module
 */
export {
  DEFAULT_AVIF_QUALITY,
  DEFAULT_JPEG_QUALITY,
  DEFAULT_MAX_ANIMATION_FRAMES,
  DEFAULT_MAX_ANIMATION_PIXELS,
  DEFAULT_MAX_INPUT_PIXELS,
  DEFAULT_WEBP_QUALITY,
  DEFAULT_WITHOUT_ENLARGEMENT,
  type ResizedImage,
  type ResizeOptions,
  resizeImage,
} from './resize.js';
export { type AnimationLimits, type AnimationPlan, animationPlan } from './animation.js';
export { type ColourPath, colourPath } from './colour.js';
export { AVIF_CHROMA_SUBSAMPLING, AVIF_EFFORT, type EncodeOptions, encode, GIF_OPTIONS, previewType } from './encode.js';
export { JPEG_SHRINK_ON_LOAD_BANDS, jpegDecodePlan, previewSize, type Size } from './dimensions.js';
export { isSrgbProfile } from './icc.js';
export {
  DEFAULT_SHARP_TUNING,
  RECOMMENDED_MALLOC_ARENA_MAX,
  type SharpTuningOptions,
  tuneSharp,
} from './tuning.js';
