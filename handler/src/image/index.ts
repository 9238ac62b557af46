/**
 * The image core of the preview Lambda: the resize pipeline and process-wide sharp tuning (type sniffing
 * is the contract's `sniffImageType`).
 *
 * @module
 */
export {
  DEFAULT_JPEG_QUALITY,
  DEFAULT_MAX_INPUT_PIXELS,
  DEFAULT_WITHOUT_ENLARGEMENT,
  type ResizedImage,
  type ResizeOptions,
  resizeImage,
} from './resize.js';
export { type ColourPath, colourPath } from './colour.js';
export { JPEG_SHRINK_ON_LOAD_BANDS, jpegDecodePlan, previewSize, type Size } from './dimensions.js';
export { isSrgbProfile } from './icc.js';
export {
  DEFAULT_SHARP_TUNING,
  RECOMMENDED_MALLOC_ARENA_MAX,
  type SharpTuningOptions,
  tuneSharp,
} from './tuning.js';
