/**
 * Output dimensions and the decode scale ("shrink-on-load") of a preview.
 *
 * @module
 */

/** A width and a height in pixels. */
export interface Size {
  readonly width: number;
  readonly height: number;
}

/**
 * Size of the preview of a `source` (as displayed, i.e. after EXIF orientation) at `width` pixels wide.
 *
 * The height is `round(height × width / source width)`, halves up, at least 1: what the Go original
 * computed (`disintegration/imaging`'s `Resize(img, width, 0, …)`), in integer arithmetic so no
 * floating-point error moves a half. It never depends on the format or on the decoder's scaling.
 * With `withoutEnlargement`, a source not wider than `width` keeps its own size.
 *
 * @example
 * ```ts
 * previewSize({ width: 2880, height: 1413 }, 320, true); // { width: 320, height: 157 }
 * ```
 */
export function previewSize(source: Size, width: number, withoutEnlargement: boolean): Size {
  if (withoutEnlargement && width >= source.width) return { width: source.width, height: source.height };
  const height = Math.floor((2 * width * source.height + source.width) / (2 * source.width));
  return { width, height: Math.max(1, height) };
}

/**
 * The height sharp derives when given only `width` for a `source` (as displayed) decoded at `scale`:
 * `rint(floor(height / scale) × width / floor(width / scale))` (libvips floors the dimensions of a
 * DCT-scaled JPEG; `rint` rounds halves to even). When it equals {@link previewSize}'s height, resizing
 * by width alone gives the same size with the horizontal and vertical scale exactly equal.
 */
export function sharpDerivedHeight(source: Size, width: number, scale: number): number {
  const numerator = Math.floor(source.height / scale) * width;
  const denominator = Math.floor(source.width / scale);
  const quotient = Math.floor(numerator / denominator);
  const twiceRemainder = 2 * (numerator - quotient * denominator);
  const roundsUp = twiceRemainder > denominator || (twiceRemainder === denominator && quotient % 2 === 1);
  return roundsUp ? quotient + 1 : quotient;
}

/** A JPEG DCT scale and the smallest shrink factor it is used from. */
export interface ShrinkOnLoadBand {
  /** libjpeg's scaling denominator: the source is decoded at 1/scale of its size. */
  readonly scale: 2 | 4 | 8;
  /** Smallest source width / preview width for which the scale is used. */
  readonly minShrink: number;
}

/**
 * The smallest shrink factor (source width / preview width) from which each JPEG DCT scale keeps the
 * preview's SSIM within 0.002 of a full-scale decode, measured by `npm run bench:quality` on seven
 * photographs (worst photo of the set; JPEG q70 previews; Wang et al.'s reference SSIM against
 * ImageMagick's full-resolution Lanczos). 1/2 held at every shrink measured (from 2.5); 1/4 needs a
 * Lanczos step of 1.75× after it, and the DC-only 1/8 one of 3.5×: sharp's own rule (1/8 from a shrink
 * of 9) costs up to 0.01.
 */
export const JPEG_SHRINK_ON_LOAD_BANDS: readonly ShrinkOnLoadBand[] = [
  { scale: 8, minShrink: 28 },
  { scale: 4, minShrink: 7 },
  { scale: 2, minShrink: 2.5 },
];

/** The DCT scale (1, 2, 4 or 8) that {@link JPEG_SHRINK_ON_LOAD_BANDS} allows at `shrink`. */
export function jpegScaleFor(shrink: number): 1 | 2 | 4 | 8 {
  return JPEG_SHRINK_ON_LOAD_BANDS.find((band) => shrink >= band.minShrink)?.scale ?? 1;
}

/**
 * The DCT scale sharp 0.35 decodes a JPEG at when resizing by `shrink` (sharp `src/pipeline.cc`): the
 * largest of 8, 4, 2 not above `shrink` (with `fastShrinkOnLoad`) or `shrink / 2` (without), halved when
 * the integer part of `shrink` equals it ("known libjpeg rounding errors").
 */
export function sharpJpegScale(shrink: number, fastShrinkOnLoad: boolean): 1 | 2 | 4 | 8 {
  const factor = fastShrinkOnLoad ? 1 : 2;
  const scale = ([8, 4, 2] as const).find((candidate) => shrink >= candidate * factor) ?? 1;
  if (scale > 1 && Math.trunc(shrink) === scale) return (scale / 2) as 1 | 2 | 4;
  return scale;
}

/**
 * From this shrink factor, a WebP is decoded scaled to twice the preview's size, then reduced with
 * Lanczos. libwebp's scaled decode (sharp's `fastShrinkOnLoad`: straight to the preview's size) is an
 * area average: within 0.001 SSIM of a full decode up to a shrink of 10 on real photographs, but 0.004-0.005
 * below it at 12.8-16, and 0.004 below at 10.2 on the noisier generated photo. Leaving 2× to Lanczos stays
 * within 0.0004 everywhere, at the same speed (libwebp decodes every pixel either way). Measured by
 * `npm run bench:quality` and `test/image/fidelity-decode.test.ts`.
 */
export const WEBP_TWO_STEP_MIN_SHRINK = 8;

/** How to decode a JPEG at the scale {@link jpegScaleFor} allows. */
export type JpegDecodePlan =
  /** One sharp pipeline with this `fastShrinkOnLoad`, which makes sharp pick the wanted scale. */
  | { readonly kind: 'direct'; readonly fastShrinkOnLoad: boolean; readonly scale: number }
  /**
   * Both sharp settings pick a coarser scale: a first pipeline reduces to `intermediate`, at a shrink where
   * sharp decodes at the wanted scale, and a second one to the preview.
   */
  | { readonly kind: 'two-step'; readonly intermediate: Size; readonly scale: number }
  /**
   * Both sharp settings pick a finer scale (sharp never uses 1/2 below a shrink of 3): libvips' JPEG
   * loader is given the scale itself (its `shrink` load option), and sharp only resizes what is left
   * (less than 2×, so it does not reload).
   */
  | { readonly kind: 'load-option'; readonly scale: 2 | 4 | 8 };

/**
 * How to decode a JPEG of `source` size (as stored) for a preview of `target` size (as stored, i.e. before
 * orientation) at the DCT scale {@link jpegScaleFor} allows: with sharp's own rule when one of its two
 * settings picks it, else in two steps or through the loader's option.
 *
 * @example
 * ```ts
 * jpegDecodePlan({ width: 4000, height: 3000 }, { width: 320, height: 240 });
 * // { kind: 'direct', fastShrinkOnLoad: false, scale: 4 } (sharp's default would decode at 1/8)
 * ```
 */
export function jpegDecodePlan(source: Size, target: Size): JpegDecodePlan {
  const shrink = Math.min(source.width / target.width, source.height / target.height);
  const wanted = jpegScaleFor(shrink);
  const choices = [true, false]
    .map((fastShrinkOnLoad) => {
      const scale = sharpJpegScale(shrink, fastShrinkOnLoad);
      return { kind: 'direct' as const, fastShrinkOnLoad, scale };
    })
    .filter((choice) => choice.scale <= wanted)
    .sort((a, b) => b.scale - a.scale);
  const best = choices[0];
  if (best?.scale === wanted) return best;
  // Both settings decode finer than allowed: the wanted scale through the loader, when what is left for
  // the resize stays under 4 (sharp without fastShrinkOnLoad then keeps the loaded image).
  if (best !== undefined) {
    return wanted > 1 && shrink / wanted < 4 ? { kind: 'load-option', scale: wanted as 2 | 4 | 8 } : best;
  }
  // Both settings decode coarser than allowed (1/8 where 1/4 is wanted, shrink 16-28): reduce first to
  // twice the wanted scale's size, where sharp without fastShrinkOnLoad decodes at the wanted scale.
  const intermediate = {
    width: Math.max(target.width, Math.floor(source.width / (wanted * 2))),
    height: Math.max(target.height, Math.floor(source.height / (wanted * 2))),
  };
  return { kind: 'two-step', intermediate, scale: wanted };
}
