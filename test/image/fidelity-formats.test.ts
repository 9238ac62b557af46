/**
 * Format fidelity: palette PNGs stay palette and small, AVIF originals are previewed, HEIC is refused by
 * name. References: ImageMagick, the pixels the file was made from, `heif-enc`.
 */
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { UnsupportedFormatError } from '@preview-lambda/handler/errors';
import { sniffImageType } from '@preview-lambda/contract';
import { resizeImage, tuneSharp } from '@preview-lambda/handler/image';
import { channelMeans, decodePixels, ssim } from '@preview-lambda/fixtures/metrics';
import { heifEncode, referencePreview } from '@preview-lambda/fixtures/tools';
import { heicHeader, makeAvif, makeDiagramPng, makePng } from '@preview-lambda/fixtures/images';
import { noteSkip, pixelAt, SKIP_WITHOUT_TOOLS } from './support.js';

noteSkip('image fidelity: formats');

beforeAll(() => {
  tuneSharp();
});

describe('Function: resizeImage › palette PNG', () => {
  let diagram: Buffer;

  beforeAll(async () => {
    diagram = await makeDiagramPng({ width: 1200, height: 800 });
    expect((await sharp(diagram).metadata()).isPalette).toBe(true);
  });

  it('keeps a 16-colour diagram palette: under half the bytes of a true-colour preview', async () => {
    // Act
    const preview = await resizeImage(diagram, { width: 640 });

    // Assess: measured 13 KB against 37 KB true colour (the source is 7 KB).
    expect((await sharp(preview.data).metadata()).isPalette).toBe(true);
    const trueColour = await sharp(diagram).resize(640, 427).png().toBuffer();
    expect(preview.data.length).toBeLessThan(trueColour.length / 2);
  });

  it('does not make a small logo bigger than the original when no resize is needed', async () => {
    // Prepare
    const logo = await makeDiagramPng({ width: 300, height: 200 });

    // Act
    const preview = await resizeImage(logo, { width: 1440 });

    // Assess: before, 1.6x the original.
    expect([preview.width, preview.height]).toEqual([300, 200]);
    expect(preview.data.length).toBeLessThanOrEqual(logo.length * 1.1);
  });

  it.skipIf(SKIP_WITHOUT_TOOLS)("looks like ImageMagick's true-colour Lanczos rendering (SSIM >= 0.99)", async () => {
    // Act
    const preview = await decodePixels((await resizeImage(diagram, { width: 640 })).data);

    // Assess
    const reference = await decodePixels(await referencePreview(diagram, { width: 640, height: 427 }));
    expect(ssim(preview, reference)).toBeGreaterThanOrEqual(0.99);
  });
});

describe('Function: resizeImage › AVIF originals', () => {
  it('previews an AVIF photo as JPEG with its colours (was NOT_AN_IMAGE)', async () => {
    // Prepare: the AVIF is made from known pixels, which are the reference.
    const png = await makePng({ width: 600, height: 400 });
    const avif = await makeAvif({ width: 600, height: 400 });
    expect(sniffImageType(avif)).toBe('image/avif');

    // Act
    const preview = await resizeImage(avif, { width: 300 });

    // Assess
    expect(preview).toMatchObject({ contentType: 'image/jpeg', width: 300, height: 200 });
    expect(preview.source).toMatchObject({ type: 'image/avif', width: 600, height: 400 });
    const expected = channelMeans(await decodePixels(await sharp(png).resize(300, 200).png().toBuffer()));
    channelMeans(await decodePixels(preview.data)).forEach((mean, i) => expect(Math.abs(mean - expected[i]!)).toBeLessThan(2));
  });

  it('previews an AVIF with alpha as PNG, transparent areas transparent', async () => {
    // Prepare: top-left quadrant transparent.
    const avif = await makeAvif({ width: 400, height: 300, alpha: true });

    // Act
    const preview = await resizeImage(avif, { width: 200 });

    // Assess
    expect(preview.contentType).toBe('image/png');
    expect((await pixelAt(preview.data, 10, 10))[3]).toBe(0);
    expect((await pixelAt(preview.data, 150, 120))[3]).toBe(255);
  });

  it.skipIf(SKIP_WITHOUT_TOOLS)('previews an AVIF written by libheif + aom (heif-enc -A)', async () => {
    // Prepare
    const png = await makePng({ width: 480, height: 360 });
    const avif = await heifEncode(png, { avif: true, quality: 70 });

    // Act
    const preview = await resizeImage(avif, { width: 240 });

    // Assess
    expect(preview).toMatchObject({ contentType: 'image/jpeg', width: 240, height: 180 });
    const reference = await decodePixels(await referencePreview(png, { width: 240, height: 180 }));
    const got = await decodePixels(preview.data);
    channelMeans(got).forEach((mean, i) => expect(Math.abs(mean - channelMeans(reference)[i]!)).toBeLessThan(3));
  });
});

describe('Function: resizeImage › HEIC originals', () => {
  it('refuses a HEIC by name with UNSUPPORTED_FORMAT (was NOT_AN_IMAGE with a hex signature)', async () => {
    // Act
    const error = await resizeImage(heicHeader(), { width: 320 }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(UnsupportedFormatError);
    expect(error).toMatchObject({
      code: 'UNSUPPORTED_FORMAT',
      message:
        'Unsupported image format: HEIC is not supported (ftyp brands heic, mif1: the bundled libvips has no HEVC decoder)',
    });
  });

  it.skipIf(SKIP_WITHOUT_TOOLS)('refuses a real HEIC from libheif + x265 the same way', async () => {
    // Prepare
    const heic = await heifEncode(await makePng({ width: 64, height: 48 }));

    // Act & Assess
    await expect(resizeImage(heic, { width: 32 })).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT' });
    await expect(resizeImage(heic, { width: 32 })).rejects.toThrow(/^Unsupported image format: HEIC/);
  });
});
