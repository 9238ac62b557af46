/**
 * Decode fidelity: complete files are previewed even when they lack their final EOI marker, files that
 * are really cut short are refused, and the JPEG decode scale keeps the preview as good as a full-scale
 * decode. References: the intact file, exact formulas, ImageMagick.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { CorruptImageError } from '@preview-lambda/handler/errors';
import { jpegDecodePlan, JPEG_SHRINK_ON_LOAD_BANDS, resizeImage, tuneSharp } from '@preview-lambda/handler/image';
import { readJpegStructure } from '@preview-lambda/handler/image/jpeg-structure';
import { decodePixels, ssim } from '@preview-lambda/fixtures/metrics';
import { IMAGE_TOOLS, referencePreview, run, withTempDir } from '@preview-lambda/fixtures/tools';
import { makeJpeg, makeWebp } from '@preview-lambda/fixtures/images';
import { noteSkip, SKIP_WITHOUT_TOOLS } from './support.js';

noteSkip('image fidelity: decode');

const withoutEoi = (jpeg: Buffer) => {
  expect(jpeg.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
  return jpeg.subarray(0, -2);
};

/** The outcome of previewing `input`: its bytes, or the error code. */
async function outcome(input: Uint8Array, width: number): Promise<Buffer | string> {
  return resizeImage(input, { width }).then(
    (preview) => preview.data,
    (error: unknown) => (error instanceof CorruptImageError ? error.code : String(error)),
  );
}

beforeAll(() => {
  tuneSharp();
});

describe('Function: resizeImage › JPEG without its final EOI marker', () => {
  it.each([
    ['baseline', false],
    ['progressive', true],
  ])('previews a complete %s JPEG that only lacks FF D9, byte-identical to the intact file (was CORRUPT_IMAGE)', async (_kind, progressive) => {
    // Prepare
    const intact = await makeJpeg({ width: 640, height: 480, progressive });

    // Act
    const preview = await resizeImage(withoutEoi(intact), { width: 320 });

    // Assess
    expect(preview.data.equals((await resizeImage(intact, { width: 320 })).data)).toBe(true);
  });

  it('either refuses a file cut in its last scan or previews exactly the intact pixels, at every cut', async () => {
    // Prepare: cuts of 3 to 400 bytes before the end (EOI included), then coarser ones.
    const intact = await makeJpeg({ width: 320, height: 240 });
    const expected = (await resizeImage(intact, { width: 160 })).data;
    const cuts = [...Array.from({ length: 40 }, (_, i) => 3 + i * 10), 1000, 5000, Math.floor(intact.length / 2)];

    // Act
    const outcomes = await Promise.all(cuts.map((cut) => outcome(intact.subarray(0, intact.length - cut), 160)));

    // Assess
    for (const result of outcomes) {
      if (typeof result === 'string') expect(result).toBe('CORRUPT_IMAGE');
      else expect(result.equals(expected)).toBe(true);
    }
    expect(outcomes.filter((result) => typeof result === 'string').length).toBeGreaterThanOrEqual(cuts.length - 1);
  });

  it('refuses a progressive JPEG cut between two scans (no decoder warning shows it)', async () => {
    // Prepare: end the file right after the entropy-coded data of its third scan (a complete scan).
    const intact = await makeJpeg({ width: 320, height: 240, progressive: true });
    const sos = [...intact.entries()].filter(([i, byte]) => byte === 0xff && intact[i + 1] === 0xda).map(([i]) => i);
    expect(sos.length).toBeGreaterThan(4);
    const data = sos[2]! + 2 + intact.readUInt16BE(sos[2]! + 2);
    const isMarker = (i: number) => intact[i] === 0xff && ![0x00, 0xff].includes(intact[i + 1]!) && (intact[i + 1]! & 0xf8) !== 0xd0;
    let end = data;
    while (!isMarker(end)) end++;
    const cut = intact.subarray(0, end);
    expect(readJpegStructure(cut).scans).toHaveLength(3);

    // Act & Assess
    await expect(resizeImage(cut, { width: 160 })).rejects.toThrow(/cut short after 3 scan\(s\)/);
  });

  it('keeps refusing a JPEG cut in half (appending EOI would let it through with a grey lower half)', async () => {
    // Prepare
    const intact = await makeJpeg({ width: 640, height: 480 });

    // Act & Assess
    await expect(resizeImage(intact.subarray(0, intact.length / 2), { width: 320 })).rejects.toThrow(
      /^Corrupt image: cannot decode image\/jpeg: .*premature end of data segment/,
    );
  });
});

describe.skipIf(SKIP_WITHOUT_TOOLS)('Function: resizeImage › arithmetic-coded JPEG (cjpeg)', () => {
  it('previews an intact one and refuses one without EOI (its decoder reads past the end silently)', async () => {
    // Prepare
    const { data, info } = await sharp(await makeJpeg({ width: 160, height: 120 })).raw().toBuffer({ resolveWithObject: true });
    const ppm = Buffer.concat([Buffer.from(`P6\n${info.width} ${info.height}\n255\n`), data]);
    const arithmetic = await withTempDir(async (dir) => {
      await writeFile(join(dir, 'in.ppm'), ppm);
      await run(IMAGE_TOOLS.cjpeg, ['-arithmetic', '-outfile', join(dir, 'out.jpg'), join(dir, 'in.ppm')]);
      return readFile(join(dir, 'out.jpg'));
    });
    expect(readJpegStructure(arithmetic).frame?.arithmetic).toBe(true);

    // Act & Assess
    await expect(resizeImage(arithmetic, { width: 80 })).resolves.toMatchObject({ width: 80, height: 60 });
    await expect(resizeImage(withoutEoi(arithmetic), { width: 80 })).rejects.toThrow(/arithmetic-coded/);
  });
});

describe('Function: jpegDecodePlan', () => {
  it.each([
    [4000, 2000, 'full scale (shrink 2)', 1, true],
    [4000, 1100, '1/2 (shrink 3.6)', 2, true],
    [4000, 640, '1/2 where sharp would pick 1/4 (shrink 6.25)', 2, false],
    [4000, 320, '1/4 where sharp would pick 1/8 (shrink 12.5)', 4, false],
    [12_000, 400, '1/8 (shrink 30)', 8, true],
  ])('decodes %i px for %i px at %s', (source, width, _why, scale, fastShrinkOnLoad) => {
    // Act
    const plan = jpegDecodePlan({ width: source, height: (source * 3) / 4 }, { width, height: (width * 3) / 4 });

    // Assess
    expect(plan).toEqual({ kind: 'direct', scale, fastShrinkOnLoad });
  });

  it('asks the loader for 1/2 where sharp decodes at full scale (shrink 2.5-3: 4000 px for 1440 px)', () => {
    // Act
    const plan = jpegDecodePlan({ width: 4000, height: 3000 }, { width: 1440, height: 1080 });

    // Assess
    expect(plan).toEqual({ kind: 'load-option', scale: 2 });
  });

  it('takes two steps where both sharp settings decode at 1/8 but 1/4 is wanted (shrink 16-28)', () => {
    // Act
    const plan = jpegDecodePlan({ width: 6000, height: 4000 }, { width: 320, height: 213 });

    // Assess
    expect(plan).toEqual({ kind: 'two-step', scale: 4, intermediate: { width: 750, height: 500 } });
  });

  it('has bands ordered from the coarsest scale', () => {
    // Assess
    expect(JPEG_SHRINK_ON_LOAD_BANDS.map((band) => band.scale)).toEqual([8, 4, 2]);
  });
});

describe.skipIf(SKIP_WITHOUT_TOOLS)('Function: resizeImage › decode scale quality (ImageMagick reference)', () => {
  it('at 1440 px from 4000 px (1/2 through the loader) stays within 0.002 SSIM of a full-scale decode', async () => {
    // Prepare
    const source = await makeJpeg({ width: 4000, height: 3000, seed: 3 });
    const reference = await decodePixels(await referencePreview(source, { width: 1440, height: 1080, colourManage: false }));

    // Act
    const preview = await resizeImage(source, { width: 1440 });

    // Assess
    expect([preview.width, preview.height]).toEqual([1440, 1080]);
    const fullScale = await sharp(source)
      .pipelineColourspace('srgb')
      .resize(1440, 1080, { fit: 'fill', kernel: 'lanczos3' })
      .jpeg({ quality: 70 })
      .toBuffer();
    const loss = ssim(await decodePixels(fullScale), reference) - ssim(await decodePixels(preview.data), reference);
    expect(loss).toBeLessThanOrEqual(0.002);
  });

  it("keeps a WebP at 200 px from 2048 px within 0.002 SSIM of a full decode (sharp's scaled decode is not)", async () => {
    // Prepare
    const webp = await makeWebp({ width: 2048, height: 2048, seed: 5 });
    const png = await sharp(webp).png().toBuffer();
    const reference = await decodePixels(await referencePreview(png, { width: 200, height: 200, colourManage: false }));
    const lossless = (image: Buffer) => sharp(image).png().toBuffer();
    const full = await sharp(webp).resize({ width: 200, kernel: 'lanczos3', fastShrinkOnLoad: false }).webp().toBuffer();

    // Act
    const preview = await resizeImage(webp, { width: 200 });

    // Assess: WebP output is lossy too, so compare each against the same reference.
    const fullSsim = ssim(await decodePixels(await lossless(full)), reference);
    expect(fullSsim - ssim(await decodePixels(preview.data), reference)).toBeLessThanOrEqual(0.002);
  });

  it("at 320 px from 4000 px is closer to a full-scale decode than sharp's 1/8 (SSIM)", async () => {
    // Prepare
    const source = await makeJpeg({ width: 4000, height: 3000, seed: 7 });
    const reference = await decodePixels(await referencePreview(source, { width: 320, height: 240, colourManage: false }));

    // Act
    const preview = await decodePixels((await resizeImage(source, { width: 320 })).data);
    const plain = await decodePixels(await sharp(source).rotate().resize(320).jpeg({ quality: 70 }).toBuffer());

    // Assess
    expect(ssim(preview, reference)).toBeGreaterThan(ssim(plain, reference));
  });
});
