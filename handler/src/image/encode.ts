/**
 * The preview's format and its encoder settings.
 *
 * @module
 */
import type { Metadata, Sharp } from 'sharp';
import { type ImageType, OUTPUT_FORMAT_TYPES, type OutputFormat, type SourceType } from '@preview-lambda/contract';

/**
 * The type of a preview:
 * - a variant (`format` given): its output format's type (`image/avif`, `image/webp`), except an animated
 *   preview asked for as AVIF, which is animated WebP: libvips 8.18 writes AVIF as one still image only
 *   (an animation would come out as its frames stacked into one tall picture), and every browser that
 *   shows AVIF shows animated WebP;
 * - the source-format preview: the source's own type, except AVIF, whose source-format preview is JPEG,
 *   or PNG when the source has an alpha channel (transparent areas stay transparent), as before variants
 *   existed.
 *
 * @param animated - whether the preview keeps the source's animation (see `animationPlan`).
 */
export function previewType(
  source: SourceType,
  header: Pick<Metadata, 'hasAlpha'>,
  format: OutputFormat | undefined,
  animated: boolean,
): ImageType {
  if (format === 'avif' && animated) return OUTPUT_FORMAT_TYPES.webp;
  if (format !== undefined) return OUTPUT_FORMAT_TYPES[format];
  if (source === 'image/avif') return header.hasAlpha === true ? 'image/png' : 'image/jpeg';
  if (source === 'image/heic') throw new Error('HEIC has no preview type');
  return source;
}

/** Settings of {@link encode}. */
export interface EncodeOptions {
  /** JPEG quality, 1-100. */
  readonly jpegQuality: number;
  /** WebP quality, 1-100 (lossy). */
  readonly webpQuality: number;
  /** AVIF quality, 1-100 (lossy). */
  readonly avifQuality: number;
  /** Whether the source is a palette (indexed-colour) image, e.g. a PNG of colour type 3 or a GIF. */
  readonly palette: boolean;
  /**
   * Whether the preview is a variant (a `format` was asked for). A source-format WebP preview keeps
   * sharp's defaults (quality 80), as before variants existed, so its bytes do not change.
   */
  readonly variant: boolean;
}

/**
 * libaom's speed for AVIF previews, as sharp's `effort` (0-9, sharp's default 4; libaom `cpu-used` =
 * 9 − effort). Measured by `npm run bench:quality` on six photographs at 1440 and 320 px: effort 3 makes
 * files within 1 % of effort 4's at the same quality and SSIM within 0.0015, in a quarter of the time
 * (about 300 ms instead of 1.1-1.3 s to encode a 1440 px preview here); effort 2 makes files 3-5 % larger.
 */
export const AVIF_EFFORT = 3;

/**
 * Chroma subsampling of AVIF previews: 4:2:0, as the JPEG previews have (mozjpeg below q90) and WebP
 * always has, about 3 % smaller than sharp's default 4:4:4 at the same luma SSIM.
 */
export const AVIF_CHROMA_SUBSAMPLING = '4:2:0';

/**
 * cgif's settings for GIF previews: libimagequant at effort 1 without dithering. Resampled pixels carry
 * colours their source palette lacks, so every frame is quantised anew; at sharp's defaults (effort 7,
 * dithering) that took about 240 ms per photographic 320x180 frame here (3 s per million pixels: 24 s for
 * a 100-frame GIF, and 4 s for one 1440 px still, against the function's 10 s), these about 25 ms, at an
 * SSIM 0.002 lower against the unquantised frame (`npm run bench`, animated previews).
 */
export const GIF_OPTIONS = { effort: 1, dither: 0 } as const;

/**
 * Adds the encoder of `type` to `pipeline`. Metadata is never written (sharp's default: no EXIF, ICC or
 * XMP). An animated pipeline (several pages) is written as an animation by the GIF and WebP encoders,
 * with the source's frame delays and loop count (sharp carries them over).
 *
 * - JPEG: `jpegQuality`, otherwise mozjpeg's defaults as sharp sets them (4:2:0 below q90, optimised
 *   Huffman tables, baseline), as before;
 * - PNG: a palette source stays palette: quantised to at most 256 colours by libimagequant (sharp's
 *   `palette: true`), zlib level 9 (small images, so the extra effort is cheap). Resampling adds
 *   intermediate colours at edges; 256 keeps them (SSIM ≥ 0.999 on diagrams), where re-using the
 *   source's 16 would not. A true-colour source stays true-colour with sharp's defaults;
 * - WebP: a variant lossy at `webpQuality` with sharp's other defaults (effort 4); a source-format
 *   preview with sharp's defaults, as before. Lossless WebP is not used for palette sources: resampled
 *   edges add colours, and a 16-colour diagram's preview came out 2.6× the palette PNG's size, where
 *   lossy WebP is smaller than it;
 * - AVIF: lossy at `avifQuality`, {@link AVIF_EFFORT}, {@link AVIF_CHROMA_SUBSAMPLING}, 8 bits;
 * - GIF: {@link GIF_OPTIONS} (cgif).
 */
export function encode(pipeline: Sharp, type: ImageType, options: EncodeOptions): Sharp {
  switch (type) {
    case 'image/jpeg':
      return pipeline.jpeg({ quality: options.jpegQuality });
    case 'image/png':
      return options.palette ? pipeline.png({ palette: true, compressionLevel: 9 }) : pipeline.png();
    case 'image/webp':
      return options.variant ? pipeline.webp({ quality: options.webpQuality }) : pipeline.webp();
    case 'image/avif':
      return pipeline.avif({
        quality: options.avifQuality,
        effort: AVIF_EFFORT,
        chromaSubsampling: AVIF_CHROMA_SUBSAMPLING,
      });
    case 'image/gif':
      return pipeline.gif(GIF_OPTIONS);
  }
}
