import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { CorruptImageError, NotAnImageError, TooManyPixelsError } from '@preview-lambda/handler/errors';
import { resizeImage, tuneSharp } from '@preview-lambda/handler/image';
import {
  GIF_FRAME_COLOURS,
  makeBombPng,
  makeGif,
  makeJpeg,
  makePng,
  makeWebp,
  randomBytes,
  truncate,
  withExtraneousBytes,
} from '@preview-lambda/fixtures/images';

/** RGBA of the pixel at (x, y) of an encoded image. */
async function pixel(image: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(image).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const offset = (y * info.width + x) * info.channels;
  return Array.from(data.subarray(offset, offset + 4));
}

let jpeg: Buffer;

beforeAll(async () => {
  tuneSharp();
  jpeg = await makeJpeg({ width: 800, height: 600 });
});

describe('Function: resizeImage', () => {
  describe('dimensions', () => {
    it('resizes to the requested width and keeps the aspect ratio', async () => {
      // Act
      const result = await resizeImage(jpeg, { width: 400 });

      // Assess
      expect(result).toMatchObject({ contentType: 'image/jpeg', width: 400, height: 300 });
      const metadata = await sharp(result.data).metadata();
      expect(metadata).toMatchObject({ format: 'jpeg', width: 400, height: 300 });
    });

    it('rounds the height of an odd aspect ratio', async () => {
      // Prepare
      const wide = await makeJpeg({ width: 1000, height: 333, content: 'flat' });

      // Act
      const result = await resizeImage(wide, { width: 300 });

      // Assess
      expect([result.width, result.height]).toEqual([300, 100]);
    });

    it('describes the source', async () => {
      // Act
      const result = await resizeImage(jpeg, { width: 400 });

      // Assess
      expect(result.source).toEqual({ type: 'image/jpeg', width: 800, height: 600, bytes: jpeg.length, frames: 1 });
    });

    it('accepts a plain Uint8Array view as input', async () => {
      // Prepare
      const backing = new Uint8Array(jpeg.length + 16);
      backing.set(jpeg, 16);

      // Act
      const result = await resizeImage(backing.subarray(16), { width: 200 });

      // Assess
      expect([result.width, result.height]).toEqual([200, 150]);
    });
  });

  describe('orientation', () => {
    it('applies EXIF orientation 6 before resizing, so a landscape photo comes out portrait', async () => {
      // Prepare: 400x300 stored, tagged "rotate 90° clockwise" => displayed 300x400.
      const tagged = await makeJpeg({ width: 400, height: 300, orientation: 6 });

      // Act
      const result = await resizeImage(tagged, { width: 150 });

      // Assess
      expect([result.width, result.height]).toEqual([150, 200]);
      expect(result.source).toMatchObject({ width: 300, height: 400 });
      const metadata = await sharp(result.data).metadata();
      expect([metadata.width, metadata.height]).toEqual([150, 200]);
      expect(metadata.orientation).toBeUndefined();
    });
  });

  describe('enlargement', () => {
    it('keeps a narrower source at its own width by default', async () => {
      // Prepare
      const small = await makeJpeg({ width: 300, height: 200 });

      // Act
      const result = await resizeImage(small, { width: 1440 });

      // Assess
      expect([result.width, result.height]).toEqual([300, 200]);
    });

    it('enlarges a narrower source when withoutEnlargement is false', async () => {
      // Prepare
      const small = await makeJpeg({ width: 300, height: 200 });

      // Act
      const result = await resizeImage(small, { width: 1440, withoutEnlargement: false });

      // Assess
      expect([result.width, result.height]).toEqual([1440, 960]);
    });
  });

  describe('formats', () => {
    it('keeps the alpha channel of a PNG, and transparent pixels stay transparent', async () => {
      // Prepare: the top-left quadrant is transparent.
      const png = await makePng({ width: 400, height: 300, alpha: true });

      // Act
      const result = await resizeImage(png, { width: 200 });

      // Assess
      expect(result).toMatchObject({ contentType: 'image/png', width: 200, height: 150 });
      const metadata = await sharp(result.data).metadata();
      expect(metadata).toMatchObject({ format: 'png', hasAlpha: true, channels: 4 });
      expect((await pixel(result.data, 10, 10))[3]).toBe(0);
      expect((await pixel(result.data, 150, 120))[3]).toBe(255);
    });

    it('writes a WebP preview of a WebP source', async () => {
      // Prepare
      const webp = await makeWebp({ width: 600, height: 400 });

      // Act
      const result = await resizeImage(webp, { width: 300 });

      // Assess
      expect(result).toMatchObject({ contentType: 'image/webp', width: 300, height: 200 });
      expect((await sharp(result.data).metadata()).format).toBe('webp');
    });

    it('writes a still GIF of the first frame of an animated GIF beyond the animation limits', async () => {
      // Prepare: frame 0 is red, frame 1 blue.
      const gif = await makeGif({ width: 400, height: 300, frames: 2 });
      expect((await sharp(gif).metadata()).pages).toBe(2);

      // Act
      const result = await resizeImage(gif, { width: 200, maxAnimationFrames: 1 });

      // Assess
      expect(result).toMatchObject({ contentType: 'image/gif', width: 200, height: 150 });
      expect(result.source).toMatchObject({ width: 400, height: 300 });
      const metadata = await sharp(result.data).metadata();
      expect(metadata).toMatchObject({ format: 'gif', width: 200, height: 150 });
      expect(metadata.pages ?? 1).toBe(1);
      const [r, g, b] = await pixel(result.data, 100, 75);
      const red = GIF_FRAME_COLOURS[0]!;
      expect([r, g, b]).toEqual([red.r, red.g, red.b]);
    });

    it('encodes JPEG with quality 70 by default, smaller than quality 95', async () => {
      // Act
      const byDefault = await resizeImage(jpeg, { width: 400 });
      const q70 = await resizeImage(jpeg, { width: 400, jpegQuality: 70 });
      const q95 = await resizeImage(jpeg, { width: 400, jpegQuality: 95 });

      // Assess
      expect(byDefault.data.equals(q70.data)).toBe(true);
      expect(q70.data.length).toBeLessThan(q95.data.length * 0.75);
    });
  });

  describe('metadata and colour', () => {
    it('strips EXIF and ICC metadata', async () => {
      // Prepare: EXIF (orientation 1) and a Display P3 ICC profile.
      const tagged = await makeJpeg({ width: 400, height: 300, orientation: 1, p3: true });
      const before = await sharp(tagged).metadata();
      expect(before.exif).toBeDefined();
      expect(before.icc).toBeDefined();

      // Act
      const result = await resizeImage(tagged, { width: 200 });

      // Assess
      const metadata = await sharp(result.data).metadata();
      expect(metadata.exif).toBeUndefined();
      expect(metadata.icc).toBeUndefined();
      expect(metadata.xmp).toBeUndefined();
      expect(metadata.space).toBe('srgb');
    });

    it('converts a CMYK JPEG to 3-channel sRGB', async () => {
      // Prepare
      const cmyk = await makeJpeg({ width: 400, height: 300, cmyk: true });
      expect((await sharp(cmyk).metadata()).space).toBe('cmyk');

      // Act
      const result = await resizeImage(cmyk, { width: 200 });

      // Assess
      const metadata = await sharp(result.data).metadata();
      expect(metadata).toMatchObject({ format: 'jpeg', space: 'srgb', channels: 3 });
    });
  });

  describe('rejections', () => {
    it('throws NotAnImageError for zero bytes', async () => {
      // Act & Assess
      const error = await resizeImage(new Uint8Array(0), { width: 100 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotAnImageError);
      expect(error).toMatchObject({ code: 'NOT_AN_IMAGE', message: 'Not an image: empty file (0 bytes)' });
    });

    it('throws NotAnImageError naming the signature of random bytes', async () => {
      // Prepare
      const noise = randomBytes(1024);
      const hex = Array.from(noise.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');

      // Act & Assess
      const error = await resizeImage(noise, { width: 100 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotAnImageError);
      expect((error as Error).message).toContain(`unrecognised signature ${hex}`);
    });

    it('throws NotAnImageError for a text file', async () => {
      // Act & Assess
      await expect(
        resizeImage(Buffer.from('name,width\nphoto.jpg,1440\n'), { width: 100 }),
      ).rejects.toThrow(/^Not an image: unrecognised signature 6e 61 6d 65 2c 77 69 64/);
    });

    it('throws CorruptImageError for a JPEG cut in half instead of filling it with grey', async () => {
      // Prepare
      const half = truncate(await makeJpeg({ width: 1200, height: 900 }));

      // Act & Assess
      const error = await resizeImage(half, { width: 400 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CorruptImageError);
      expect(error).toMatchObject({ code: 'CORRUPT_IMAGE' });
      expect((error as Error).message).toMatch(/^Corrupt image: cannot decode image\/jpeg: .*premature end/i);
      expect((error as Error).message).not.toContain('\n');
    });

    it('throws CorruptImageError for a JPEG signature followed by garbage', async () => {
      // Prepare
      const garbage = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(256)]);

      // Act & Assess
      const error = await resizeImage(garbage, { width: 100 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CorruptImageError);
      expect((error as Error).message).toMatch(/^Corrupt image: unreadable image\/jpeg header: /);
    });

    it('throws CorruptImageError for a truncated PNG', async () => {
      // Prepare
      const half = truncate(await makePng({ width: 400, height: 300 }));

      // Act & Assess
      await expect(resizeImage(half, { width: 100 })).rejects.toBeInstanceOf(CorruptImageError);
    });

    it('still resizes a JPEG whose only flaw is a benign decoder warning', async () => {
      // Prepare: "Corrupt JPEG data: 2 extraneous bytes before marker 0xdb", shown fine by browsers.
      const quirky = withExtraneousBytes(jpeg);
      await expect(sharp(quirky, { failOn: 'warning' }).toBuffer()).rejects.toThrow(/extraneous bytes/);

      // Act
      const result = await resizeImage(quirky, { width: 200 });

      // Assess
      expect([result.width, result.height]).toEqual([200, 150]);
    });

    it('throws TooManyPixelsError for a PNG declaring 30000x30000 pixels, without decoding', async () => {
      // Prepare: ~100 bytes on disk, 3.6 GB once decoded.
      const bomb = await makeBombPng(30_000, 30_000);
      const rssBefore = process.memoryUsage().rss;
      const started = performance.now();

      // Act
      const error = await resizeImage(bomb, { width: 100 }).catch((e: unknown) => e);

      // Assess
      expect(performance.now() - started).toBeLessThan(1000);
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 2 ** 20);
      expect(error).toBeInstanceOf(TooManyPixelsError);
      expect(error).toMatchObject({
        code: 'TOO_MANY_PIXELS',
        message: 'Expected at most 100000000 input pixels but the image is 30000x30000 (900000000)',
      });
    });

    it('honours a custom maxInputPixels', async () => {
      // Act & Assess
      await expect(resizeImage(jpeg, { width: 100, maxInputPixels: 479_999 })).rejects.toThrow(
        'Expected at most 479999 input pixels but the image is 800x600 (480000)',
      );
      await expect(resizeImage(jpeg, { width: 100, maxInputPixels: 480_000 })).resolves.toMatchObject({
        width: 100,
      });
    });
  });
});
