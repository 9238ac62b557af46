/**
 * Image comparison for the fidelity tests and the benchmark: decoded pixels, per-channel means, mean
 * absolute difference and SSIM. Measures only; the references come from elsewhere (`image-tools.ts`, exact
 * formulas).
 *
 * @module
 */
import sharp from 'sharp';
import { ssim as ssimJs } from 'ssim.js';

/** Decoded 8-bit pixels, interleaved, row-major. */
export interface Pixels {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
}

/**
 * The pixels of an encoded image (or raw `Pixels` passed through), as 8-bit RGB (alpha dropped) or RGBA
 * when `alpha` is set. Decoding uses libvips; it only reads what a reference tool or the preview wrote.
 */
export async function decodePixels(image: Uint8Array, options: { alpha?: boolean } = {}): Promise<Pixels> {
  const pipeline = sharp(image).toColourspace('srgb');
  const { data, info } = await (options.alpha === true ? pipeline.ensureAlpha() : pipeline.removeAlpha())
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** Mean of each channel over every pixel (0-255). */
export function channelMeans(pixels: Pixels): number[] {
  const sums = new Array<number>(pixels.channels).fill(0);
  for (let i = 0; i < pixels.data.length; i++) sums[i % pixels.channels]! += pixels.data[i]!;
  const count = pixels.width * pixels.height;
  return sums.map((sum) => sum / count);
}

const shape = (pixels: Pixels): string => `${pixels.width}x${pixels.height}x${pixels.channels}`;

function assertSameShape(a: Pixels, b: Pixels): void {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) {
    throw new Error(
      `Expected images of the same shape but got ${shape(a)} and ${shape(b)}`,
    );
  }
}

/** Mean absolute difference over every sample (0-255). */
export function meanAbsoluteDifference(a: Pixels, b: Pixels): number {
  assertSameShape(a, b);
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i]! - b.data[i]!);
  return sum / a.data.length;
}

/** Largest absolute difference of any sample (0-255). */
export function maxAbsoluteDifference(a: Pixels, b: Pixels): number {
  assertSameShape(a, b);
  let max = 0;
  for (let i = 0; i < a.data.length; i++) max = Math.max(max, Math.abs(a.data[i]! - b.data[i]!));
  return max;
}

function rgba(pixels: Pixels): { data: Uint8ClampedArray; width: number; height: number } {
  const data = new Uint8ClampedArray(pixels.width * pixels.height * 4);
  for (let p = 0, i = 0; p < data.length; p += 4, i += pixels.channels) {
    data[p] = pixels.data[i]!;
    data[p + 1] = pixels.data[i + (pixels.channels >= 3 ? 1 : 0)]!;
    data[p + 2] = pixels.data[i + (pixels.channels >= 3 ? 2 : 0)]!;
    data[p + 3] = 255;
  }
  return { data, width: pixels.width, height: pixels.height };
}

/**
 * Mean SSIM of the luma of `a` and `b` (Wang et al. 2004: 11x11 Gaussian window, sigma 1.5, K1 0.01,
 * K2 0.03; ssim.js's `original` algorithm) at full resolution: no downsampling, so that differences
 * of decode scale and resampling show. 1 means identical.
 */
export function ssim(a: Pixels, b: Pixels): number {
  assertSameShape(a, b);
  return ssimJs(rgba(a), rgba(b), { ssim: 'original', downsample: 'original' }).mssim;
}
