/**
 * The image core of the preview Lambda: type sniffing, the resize pipeline and process-wide sharp tuning.
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
export { IMAGE_TYPES, type ImageType, sniffImageType } from './sniff.js';
export {
  DEFAULT_SHARP_TUNING,
  RECOMMENDED_MALLOC_ARENA_MAX,
  type SharpTuningOptions,
  tuneSharp,
} from './tuning.js';
