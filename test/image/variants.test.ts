/**
 * The resize core's output formats (AVIF and WebP variants) and animated previews: what each variant is
 * (format, size, alpha, look measured by SSIM against the source-format preview) and what an animation
 * keeps (frame count, each frame's delay and colour, the loop count), within its limits.
 */
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  animationPlan,
  resizeImage,
  tuneSharp,
  WEBP_REDUCED_QUALITY_PIXELS,
  WEBP_SMALL_PIXELS,
  webpVariantSettings,
} from '@preview-lambda/handler/image';
import {
  GIF_FRAME_COLOURS,
  makeAnimatedWebp,
  makeGif,
  makeJpeg,
  makePng,
} from '@preview-lambda/fixtures/images';
import { decodePixels, ssim } from '@preview-lambda/fixtures/metrics';

/** RGB of frame `page` of an encoded (possibly animated) image at its centre. */
async function centre(image: Buffer, page = 0): Promise<number[]> {
  const { data, info } = await sharp(image, { page }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const offset = (Math.floor(info.height / 2) * info.width + Math.floor(info.width / 2)) * info.channels;
  return Array.from(data.subarray(offset, offset + 3));
}

const colour = (i: number): number[] => {
  const { r, g, b } = GIF_FRAME_COLOURS[i % 3]!;
  return [r, g, b];
};

let photo: Buffer;

beforeAll(async () => {
  tuneSharp();
  photo = await makeJpeg({ width: 1600, height: 1200 });
});

describe('Function: resizeImage (variants)', () => {
  it('writes an AVIF variant of a JPEG: AV1 in HEIF, the exact size, fewer bytes, the same look', async () => {
    // Act
    const source = await resizeImage(photo, { width: 800 });
    const avif = await resizeImage(photo, { width: 800, format: 'avif' });

    // Assess
    expect(avif).toMatchObject({ contentType: 'image/avif', width: 800, height: 600, frames: 1 });
    const metadata = await sharp(avif.data).metadata();
    expect(metadata).toMatchObject({ format: 'heif', compression: 'av1', width: 800, height: 600 });
    expect(metadata.exif).toBeUndefined();
    expect(avif.data.length).toBeLessThan(source.data.length * 0.8);
    // The generated photo's fine noise is what AV1 smooths first: SSIM against the JPEG preview stays high.
    expect(ssim(await decodePixels(avif.data), await decodePixels(source.data))).toBeGreaterThan(0.9);
  });

  it('writes a WebP variant of a JPEG at the WebP quality, and a lower quality makes fewer bytes', async () => {
    // Act
    const webp = await resizeImage(photo, { width: 400, format: 'webp' });
    const lower = await resizeImage(photo, { width: 400, format: 'webp', webpQuality: 40 });

    // Assess
    expect(webp).toMatchObject({ contentType: 'image/webp', width: 400, height: 300 });
    expect((await sharp(webp.data).metadata()).format).toBe('webp');
    expect(lower.data.length).toBeLessThan(webp.data.length);
  });

  it('encodes a WebP variant up to 1 MP at 2 below the WebP quality, and up to 0.25 MP at effort 6', () => {
    // Act
    const at = (pixels: number) => webpVariantSettings(82, pixels);

    // Assess
    expect(at(320 * 213)).toEqual({ quality: 80, effort: 6 });
    expect(at(WEBP_SMALL_PIXELS)).toEqual({ quality: 80, effort: 6 });
    expect(at(WEBP_SMALL_PIXELS + 1)).toEqual({ quality: 80, effort: 4 });
    expect(at(WEBP_REDUCED_QUALITY_PIXELS)).toEqual({ quality: 80, effort: 4 });
    expect(at(WEBP_REDUCED_QUALITY_PIXELS + 1)).toEqual({ quality: 82, effort: 4 });
    expect(webpVariantSettings(1, 100).quality).toBe(1);
  });

  it('keeps the transparency of a PNG in its AVIF and WebP variants', async () => {
    // Prepare: the top-left quadrant is transparent.
    const png = await makePng({ width: 400, height: 300, alpha: true });

    for (const format of ['avif', 'webp'] as const) {
      // Act
      const result = await resizeImage(png, { width: 200, format });

      // Assess
      const { data, info } = await sharp(result.data).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      const alphaAt = (x: number, y: number) => data[(y * info.width + x) * 4 + 3];
      expect([format, (await sharp(result.data).metadata()).hasAlpha, alphaAt(10, 10), alphaAt(150, 120)]).toEqual([
        format,
        true,
        0,
        255,
      ]);
    }
  });

  it('applies EXIF orientation to a variant too', async () => {
    // Prepare: stored 400x300, displayed 300x400.
    const tagged = await makeJpeg({ width: 400, height: 300, orientation: 6 });

    // Act
    const result = await resizeImage(tagged, { width: 150, format: 'avif' });

    // Assess
    expect([result.width, result.height]).toEqual([150, 200]);
    expect((await sharp(result.data).metadata()).orientation ?? 1).toBe(1);
  });
});

describe('Function: resizeImage (animation)', () => {
  const delays = [120, 480];

  it('keeps a 2-frame GIF animated as GIF: frame count, delays, loop and each frame', async () => {
    // Prepare: frame 0 red for 120 ms, frame 1 blue for 480 ms, looping forever.
    const gif = await makeGif({ width: 400, height: 300, frames: 2, delays });

    // Act
    const result = await resizeImage(gif, { width: 200 });

    // Assess
    expect(result).toMatchObject({ contentType: 'image/gif', width: 200, height: 150, frames: 2 });
    expect(result.firstFrameOnly).toBeUndefined();
    expect(result.source).toMatchObject({ width: 400, height: 300, frames: 2 });
    const metadata = await sharp(result.data).metadata();
    expect(metadata).toMatchObject({ format: 'gif', pages: 2, width: 200, height: 150, delay: delays, loop: 0 });
    expect(await centre(result.data, 0)).toEqual(colour(0));
    expect(await centre(result.data, 1)).toEqual(colour(1));
  });

  it.each(['webp', 'avif'] as const)('makes a 2-frame GIF an animated WebP when the %s variant is asked for', async (format) => {
    // Prepare
    const gif = await makeGif({ width: 400, height: 300, frames: 2, delays });

    // Act
    const result = await resizeImage(gif, { width: 200, format });

    // Assess: libvips cannot write an AVIF animation, so AVIF is asked for and animated WebP made.
    expect(result).toMatchObject({ contentType: 'image/webp', width: 200, height: 150, frames: 2 });
    const metadata = await sharp(result.data).metadata();
    expect(metadata).toMatchObject({ format: 'webp', pages: 2, width: 200, height: 150, delay: delays, loop: 0 });
    const [first, second] = [await centre(result.data, 0), await centre(result.data, 1)];
    // Lossy: within a few levels of the flat colours.
    first.forEach((value, i) => expect(Math.abs(value - colour(0)[i]!)).toBeLessThan(8));
    second.forEach((value, i) => expect(Math.abs(value - colour(1)[i]!)).toBeLessThan(8));
  });

  it('keeps an animated WebP animated, with its loop count', async () => {
    // Prepare: three frames, played twice.
    const webp = await makeAnimatedWebp({ width: 300, height: 200, frames: 3, delays: [50, 60, 70], loop: 2 });

    // Act
    const result = await resizeImage(webp, { width: 150 });

    // Assess
    expect(result).toMatchObject({ contentType: 'image/webp', width: 150, height: 100, frames: 3 });
    expect(await sharp(result.data).metadata()).toMatchObject({ pages: 3, delay: [50, 60, 70], loop: 2 });
  });

  it('previews the first frame only beyond MAX_ANIMATION_FRAMES, saying so', async () => {
    // Prepare
    const gif = await makeGif({ width: 400, height: 300, frames: 3 });

    // Act
    const result = await resizeImage(gif, { width: 200, maxAnimationFrames: 2 });

    // Assess
    expect(result).toMatchObject({ contentType: 'image/gif', frames: 1, source: { frames: 3 } });
    expect(result.firstFrameOnly).toBe('3 frames, more than MAX_ANIMATION_FRAMES (2)');
    expect((await sharp(result.data).metadata()).pages ?? 1).toBe(1);
    expect(await centre(result.data)).toEqual(colour(0));
  });

  it('previews the first frame only beyond MAX_ANIMATION_PIXELS, saying so', async () => {
    // Prepare: 2 frames of 400x300 = 240,000 pixels.
    const gif = await makeGif({ width: 400, height: 300, frames: 2 });

    // Act
    const result = await resizeImage(gif, { width: 200, format: 'webp', maxAnimationPixels: 239_999 });
    const justEnough = await resizeImage(gif, { width: 200, maxAnimationPixels: 240_000 });

    // Assess
    expect(result).toMatchObject({ contentType: 'image/webp', frames: 1 });
    expect(result.firstFrameOnly).toBe('2 frames of 400x300 = 240000 pixels, more than MAX_ANIMATION_PIXELS (239999)');
    expect((await sharp(result.data).metadata()).pages ?? 1).toBe(1);
    expect(justEnough.frames).toBe(2);
  });

  it('counts the preview frames against MAX_ANIMATION_PIXELS when they are larger (enlargement)', async () => {
    // Prepare: 2 frames of 100x75 = 15,000 pixels, enlarged to 400x300 = 240,000.
    const gif = await makeGif({ width: 100, height: 75, frames: 2 });

    // Act
    const enlarged = await resizeImage(gif, { width: 400, withoutEnlargement: false, maxAnimationPixels: 100_000 });

    // Assess
    expect(enlarged).toMatchObject({ frames: 1, width: 400, height: 300 });
    expect(enlarged.firstFrameOnly).toBe('2 frames of 400x300 = 240000 pixels, more than MAX_ANIMATION_PIXELS (100000)');
  });

  it('asks an animated preview that is still as AVIF for AVIF (first frame only)', async () => {
    // Prepare
    const gif = await makeGif({ width: 400, height: 300, frames: 2 });

    // Act
    const result = await resizeImage(gif, { width: 200, format: 'avif', maxAnimationFrames: 1 });

    // Assess
    expect(result).toMatchObject({ contentType: 'image/avif', frames: 1, height: 150 });
    expect((await sharp(result.data).metadata()).height).toBe(150);
  });
});

describe('Function: animationPlan', () => {
  const limits = { maxFrames: 10, maxPixels: 1_000_000 };
  const frame = { width: 100, height: 100 };

  it('animates GIF and WebP with more than one frame within the limits', () => {
    expect(animationPlan('image/gif', { pages: 10 }, frame, limits)).toEqual({ animated: true, frames: 10 });
    expect(animationPlan('image/webp', { pages: 2 }, frame, limits)).toEqual({ animated: true, frames: 2 });
  });

  it('leaves still images and other types still, with no reason', () => {
    expect(animationPlan('image/gif', { pages: 1 }, frame, limits)).toEqual({ animated: false, frames: 1 });
    expect(animationPlan('image/png', {}, frame, limits)).toEqual({ animated: false, frames: 1 });
    expect(animationPlan('image/avif', { pages: 3 }, frame, limits)).toEqual({ animated: false, frames: 3 });
  });

  it('names the limit or the orientation that keeps an animation to its first frame', () => {
    expect(animationPlan('image/gif', { pages: 11 }, frame, limits)).toMatchObject({ animated: false, reason: expect.stringMatching(/MAX_ANIMATION_FRAMES/) });
    expect(animationPlan('image/gif', { pages: 10 }, { width: 1000, height: 101 }, limits)).toMatchObject({
      animated: false,
      reason: expect.stringMatching(/MAX_ANIMATION_PIXELS/),
    });
    expect(animationPlan('image/webp', { pages: 2, orientation: 6 }, frame, limits)).toMatchObject({
      animated: false,
      reason: 'EXIF orientation 6: libvips cannot rotate an animation',
    });
  });
});
