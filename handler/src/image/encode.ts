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
  /** WebP quality of variants over 1 MP, 1-100 (lossy); smaller ones: {@link webpVariantSettings}. */
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
  /**
   * Pixels the encoder writes: the preview's width × height, times its frames when animated. Chooses a
   * WebP variant's quality and effort ({@link webpVariantSettings}).
   */
  readonly pixels: number;
}

/**
 * Largest WebP variant, in pixels written (width × height × frames), encoded {@link WEBP_QUALITY_STEP}
 * below `webpQuality`: 1,000,000 px, so a 720 px preview (720x480, or 720x1080 portrait) is and a 1440 px
 * one (1440x810 and up) is not. `webpQuality` (`WEBP_QUALITY`, default 82) is chosen at 1440 and 320 px
 * (see `DEFAULT_WEBP_QUALITY`); its look is more than a smaller preview needs.
 *
 * Measured once (a study outside the benches; `npm run bench` checks the outcome end to end at 320 and
 * 1440 px) on the six photographs of `npm run bench:quality` (sunset, dragonfly, kleiber, bridge, picos,
 * life, as published): `resizeImage`'s own pixels before the encoder, SSIM full against ImageMagick's
 * rendering (as `npm run bench` computes it), bytes over the JPEG q70 preview's (mean of the photos), the
 * worst photo's SSIM full minus the JPEG's, encode ms (medians of 3 interleaved rounds; shared 2-core AMD
 * EPYC VM, Node 20.20.2, load average 0.6-1.4):
 *
 * | WebP | 320 px | 480 px | 720 px | 1440 px |
 * | --- | --- | --- | --- | --- |
 * | q82 effort 4 (before) | 1.07×, +0.0042, 7 ms | 1.04×, +0.0012, 14 ms | 1.00×, +0.0003, 28 ms | 0.94×, −0.0016, 105 ms |
 * | q82 effort 6 | 1.03×, +0.0033, 17 ms | 1.01×, +0.0011, 35 ms | 0.97×, +0.0002, 70 ms | 0.90×, −0.0017, 250 ms |
 * | q80 effort 4 | 0.99×, +0.0029, 7 ms | 0.96×, +0.0003, 14 ms | **0.93×, −0.0018, 29 ms** | 0.87×, −0.0035 (fails) |
 * | q80 effort 6 | **0.96×, +0.0029, 17 ms** | **0.93×, +0.0001, 34 ms** | 0.89×, −0.0020, 70 ms | 0.83×, −0.0042 (fails) |
 * | q78 effort 4 | 0.92×, +0.0010, 7 ms | 0.90×, −0.0011, 13 ms | 0.86×, −0.0035 (fails) | 0.80×, −0.0048 (fails) |
 *
 * Effort alone does not bring a 320 px variant under the JPEG's bytes, and q78 fails the 0.003 margin
 * from 720 px up; two lower steps of quality up to 1 MP, with {@link WEBP_SMALL_EFFORT} up to
 * {@link WEBP_SMALL_PIXELS}, make every measured width smaller than the JPEG within the margin (bold).
 */
export const WEBP_REDUCED_QUALITY_PIXELS = 1_000_000;

/** How much lower than `webpQuality` a WebP variant of at most {@link WEBP_REDUCED_QUALITY_PIXELS} is encoded. */
export const WEBP_QUALITY_STEP = 2;

/**
 * Largest WebP variant, in pixels written, encoded at {@link WEBP_SMALL_EFFORT} rather than sharp's default
 * effort 4: 250,000 px (a 320 px preview is 57,600-153,600 px, 480x360 is 172,800, 720x405 is 291,600).
 * Effort 6 makes such previews 4 % smaller (q80 at 320 px: 0.96× the JPEG's bytes instead of 0.99×, the
 * margin a lone q80 would leave being under 1 %) for about 10 ms more encoding (17 ms instead of 7 at
 * 320 px, 34 instead of 14 at 480), small beside decoding the 12-24 MP original; at 720 px it would add
 * 40 ms for the same 4 % (table at {@link WEBP_REDUCED_QUALITY_PIXELS}).
 */
export const WEBP_SMALL_PIXELS = 250_000;

/** libwebp's effort (sharp's `effort`, libwebp `method`, 0-6) for WebP variants of at most {@link WEBP_SMALL_PIXELS}. */
export const WEBP_SMALL_EFFORT = 6;

/** sharp's default WebP effort, kept for larger variants and for every source-format WebP preview. */
const WEBP_DEFAULT_EFFORT = 4;

/** A WebP variant's encoder settings (sharp's `webp()` options). */
export interface WebpVariantSettings {
  /** Quality, 1-100. */
  readonly quality: number;
  /** Effort, 0-6. */
  readonly effort: number;
}

/**
 * The encoder settings of a WebP variant of `pixels` pixels (width × height × frames) asked for at
 * `quality` (`webpQuality`): `quality` − {@link WEBP_QUALITY_STEP} (at least 1) up to
 * {@link WEBP_REDUCED_QUALITY_PIXELS}, `quality` above; effort {@link WEBP_SMALL_EFFORT} up to
 * {@link WEBP_SMALL_PIXELS}, sharp's default 4 above.
 *
 * @example
 * ```ts
 * webpVariantSettings(82, 320 * 213); // { quality: 80, effort: 6 }
 * webpVariantSettings(82, 720 * 480); // { quality: 80, effort: 4 }
 * webpVariantSettings(82, 1440 * 960); // { quality: 82, effort: 4 }
 * ```
 */
export function webpVariantSettings(quality: number, pixels: number): WebpVariantSettings {
  return {
    quality: pixels <= WEBP_REDUCED_QUALITY_PIXELS ? Math.max(1, quality - WEBP_QUALITY_STEP) : quality,
    effort: pixels <= WEBP_SMALL_PIXELS ? WEBP_SMALL_EFFORT : WEBP_DEFAULT_EFFORT,
  };
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
 * - WebP: a variant lossy at {@link webpVariantSettings} of `webpQuality` and its `pixels` (two lower
 *   up to 1 MP, effort 6 up to 0.25 MP), sharp's other defaults; a source-format preview with sharp's
 *   defaults (quality 80, effort 4), as before, so its bytes do not change. Lossless WebP is not used for palette sources: resampled
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
      return options.variant
        ? pipeline.webp(webpVariantSettings(options.webpQuality, options.pixels))
        : pipeline.webp();
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
