/**
 * Colour fidelity: every preview has the colours its original has in a browser. References are made
 * independently of libvips (ImageMagick + lcms, or the browsers' exact formula); the tests measure
 * per-channel means, mean absolute differences and SSIM.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { colourPath, isSrgbProfile, resizeImage, tuneSharp } from '@preview-lambda/handler/image';
import {
  channelMeans,
  decodePixels,
  meanAbsoluteDifference,
  type Pixels,
  ssim,
} from '@preview-lambda/fixtures/metrics';
import { cmykSamples, ICC_PROFILES, magick, referencePreview } from '@preview-lambda/fixtures/tools';
import { makeJpeg, makePng, withIccProfile } from '@preview-lambda/fixtures/images';
import { builtInProfile, noteSkip, pixelAt, SKIP_WITHOUT_TOOLS } from './support.js';

noteSkip('image fidelity: colour');

/** `profile` with the ASCII text `from` replaced by `to` (same length), e.g. to fake a description. */
function relabel(profile: Buffer, from: string, to: string): Buffer {
  const copy = Buffer.from(profile);
  const encode = (text: string) => (profile.includes(text, 0, 'latin1') ? Buffer.from(text, 'latin1') : Buffer.from(text, 'utf16le').swap16());
  const at = copy.indexOf(encode(from));
  if (at < 0) throw new Error(`no "${from}" in the profile`);
  encode(to).copy(copy, at);
  return copy;
}

/**
 * What the resize core did before colour management moved after the shrink: sharp converts the embedded
 * profile on every source pixel, then resizes (the "full-resolution transform").
 */
function fullResolutionTransform(input: Buffer, width: number, height: number): Promise<Buffer> {
  const image = sharp(input, { autoOrient: true })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .toColourspace('srgb');
  return (input[0] === 0xff ? image.jpeg({ quality: 70 }) : image.png()).toBuffer();
}

const pixels = (image: Uint8Array): Promise<Pixels> => decodePixels(image);

beforeAll(() => {
  tuneSharp();
});

describe('Function: isSrgbProfile', () => {
  it('recognises sRGB profiles by their colorants and curves (libvips v4, Ghostscript v2)', async () => {
    // Assess
    expect(isSrgbProfile(await builtInProfile('srgb'))).toBe(true);
    expect(isSrgbProfile(await builtInProfile('p3'))).toBe(false);
  });

  it('ignores the description: Display P3 named "sRGB" is not sRGB, sRGB named "sP3C" is', async () => {
    // Prepare: libvips' profiles describe themselves as "sRGB" and "sP3C" (UTF-16 in an mluc tag).
    const p3CalledSrgb = relabel(await builtInProfile('p3'), 'sP3C', 'sRGB');
    const srgbCalledP3 = relabel(await builtInProfile('srgb'), 'sRGB', 'sP3C');

    // Assess
    expect(isSrgbProfile(p3CalledSrgb)).toBe(false);
    expect(isSrgbProfile(srgbCalledP3)).toBe(true);
  });

  it('rejects truncated and non-RGB data', () => {
    // Assess
    expect(isSrgbProfile(new Uint8Array(0))).toBe(false);
    expect(isSrgbProfile(Buffer.alloc(200))).toBe(false);
  });
});

describe.skipIf(SKIP_WITHOUT_TOOLS)('Function: resizeImage › colour fidelity (ImageMagick, Ghostscript ICC)', () => {
  let photo: Buffer;
  let large: Buffer;
  /** libvips' Display P3 profile as a file, for ImageMagick. */
  let p3File: string;

  beforeAll(async () => {
    photo = await makePng({ width: 480, height: 360 });
    large = await makePng({ width: 1600, height: 1200 });
    const dir = mkdtempSync(join(tmpdir(), 'fidelity-colour-'));
    p3File = join(dir, 'display-p3.icc');
    writeFileSync(p3File, await builtInProfile('p3'));
    return () => rmSync(dir, { recursive: true, force: true });
  });

  describe('16-bit PNG with an embedded profile', () => {
    const sixteenBit = (png: Uint8Array) =>
      magick(png, [
        '-depth', '16', '-define', 'png:bit-depth=16', '-define', 'png:color-type=2', '-profile', ICC_PROFILES.srgb,
      ]);

    it('keeps pure red pure red (it came out about (234,51,34): P3 values labelled sRGB)', async () => {
      // Prepare
      const red = await sixteenBit(
        await sharp({ create: { width: 64, height: 64, channels: 3, background: '#ff0000' } }).png().toBuffer(),
      );
      const header = await sharp(red).metadata();
      expect(header).toMatchObject({ space: 'rgb16', depth: 'ushort' });
      expect(header.icc).toBeDefined();

      // Act
      const preview = await resizeImage(red, { width: 32 });

      // Assess: exact, PNG is lossless.
      expect((await pixelAt(preview.data, 16, 16)).slice(0, 3)).toEqual([255, 0, 0]);
    });

    it('gives a photo the colours of its 8-bit version (means within 0.5, SSIM >= 0.998)', async () => {
      // Prepare
      const deep = await sixteenBit(photo);

      // Act
      const preview = await pixels((await resizeImage(deep, { width: 240 })).data);
      const eightBit = await pixels((await resizeImage(photo, { width: 240 })).data);

      // Assess
      channelMeans(preview).forEach((mean, i) => expect(Math.abs(mean - channelMeans(eightBit)[i]!)).toBeLessThan(0.5));
      // Not 1: libvips reduces 16 to 8 bits by truncation, the 8-bit source was rounded (measured 0.9989).
      expect(ssim(preview, eightBit)).toBeGreaterThanOrEqual(0.998);
    });
  });

  describe('CMYK JPEG without a profile', () => {
    /**
     * The reference: Chrome's and Firefox's conversion of the stored (Adobe-inverted) samples,
     * R = floor(iC × iK / 255) etc., applied to ImageMagick's decode of the file, then ImageMagick's Lanczos.
     * libvips' built-in CMYK profile (what previews used before) is another valid reading of an untagged
     * file, but not what users see in the two main browsers, so it is not the reference here.
     */
    async function browserReference(jpeg: Buffer, width: number, height: number): Promise<Pixels> {
      const cmyk = await cmykSamples(jpeg);
      const rgb = Buffer.alloc((cmyk.length / 4) * 3);
      for (let i = 0, o = 0; i < cmyk.length; i += 4, o += 3) {
        const k = 255 - cmyk[i + 3]!;
        for (let c = 0; c < 3; c++) rgb[o + c] = Math.floor(((255 - cmyk[i + c]!) * k) / 255);
      }
      const { width: w, height: h } = await sharp(jpeg).metadata();
      const raw = await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
      return pixels(await referencePreview(raw, { width, height, colourManage: false }));
    }

    it('renders 100 % black as black and white paper as white (libvips: (20,5,0) and off-white)', async () => {
      // Prepare: ImageMagick writes Adobe-style CMYK JPEGs (APP14, inverted samples).
      const halves = await sharp({ create: { width: 64, height: 32, channels: 3, background: '#000000' } })
        .composite([{ input: { create: { width: 32, height: 32, channels: 3, background: '#ffffff' } }, left: 32, top: 0 }])
        .png()
        .toBuffer();
      const jpeg = await magick(halves, ['-colorspace', 'CMYK', '-quality', '100'], 'jpg');

      // Act
      const preview = (await resizeImage(jpeg, { width: 64 })).data;

      // Assess
      for (const value of await pixelAt(preview, 8, 16)) expect(value).toBeLessThanOrEqual(3);
      for (const value of await pixelAt(preview, 56, 16)) expect(value).toBeGreaterThanOrEqual(252);
      const [red] = await pixelAt(await fullResolutionTransform(jpeg, 64, 32), 8, 16);
      expect(red).toBeGreaterThan(10);
    });

    it('matches the browsers on a photo: means within 1, SSIM as good as an sRGB JPEG (libvips profile: >= 5 off)', async () => {
      // Prepare
      const jpeg = await magick(photo, ['-colorspace', 'CMYK', '-quality', '95'], 'jpg');
      expect((await sharp(jpeg).metadata()).space).toBe('cmyk');
      expect(colourPath(await sharp(jpeg).metadata())).toBe('browser-cmyk');

      // Act
      const preview = await pixels((await resizeImage(jpeg, { width: 240 })).data);

      // Assess
      const reference = await browserReference(jpeg, 240, 180);
      channelMeans(preview).forEach((mean, i) => expect(Math.abs(mean - channelMeans(reference)[i]!)).toBeLessThan(1));
      // The noisy test photo costs a q70 JPEG preview some SSIM whatever the colours (0.942 for the same
      // photo stored as an sRGB JPEG); the CMYK preview must do as well (measured 0.9425).
      const srgb = await magick(photo, ['-quality', '95'], 'jpg');
      const srgbPreview = await pixels((await resizeImage(srgb, { width: 240 })).data);
      const baseline = ssim(srgbPreview, await pixels(await referencePreview(srgb, { width: 240, height: 180 })));
      expect(ssim(preview, reference)).toBeGreaterThanOrEqual(baseline - 0.005);
      const libvips = await pixels(await fullResolutionTransform(jpeg, 240, 180));
      expect(Math.max(...channelMeans(libvips).map((mean, i) => Math.abs(mean - channelMeans(reference)[i]!)))).toBeGreaterThan(5);
    });
  });

  describe('tagged sources: colour management after the shrink', () => {
    it.each([
      ['Ghostscript sRGB v2', ICC_PROFILES.srgb],
      ['libvips sRGB v4', 'builtin:srgb'],
    ])('leaves an sRGB-tagged (%s) JPEG untouched: byte-identical to the full-resolution transform', async (_name, source) => {
      // Prepare: the pixels as stored, the profile spliced in as a camera writes it.
      const profile = source === 'builtin:srgb' ? await builtInProfile('srgb') : readFileSync(source);
      const jpeg = withIccProfile(await makeJpeg({ width: 800, height: 600 }), profile);
      expect(colourPath(await sharp(jpeg).metadata())).toBe('as-is');

      // Act: widths at which both decode at the same scale (full, then 1/2).
      const previews = await Promise.all([400, 200].map((width) => resizeImage(jpeg, { width })));

      // Assess
      expect(previews[0]!.data.equals(await fullResolutionTransform(jpeg, 400, 300))).toBe(true);
      expect(previews[1]!.data.equals(await fullResolutionTransform(jpeg, 200, 150))).toBe(true);
    });

    it.each([
      ['Display P3 (phones)', 'p3'],
      ['Adobe RGB (cameras)', ICC_PROFILES.adobeRgb],
      ['ProPhoto / ROMM RGB (raw converters)', ICC_PROFILES.proPhoto],
    ])('converts %s after the resize: within 2/255 (MAD) and SSIM >= 0.999 of the full-resolution transform', async (_name, profile) => {
      // Prepare: a 1600x1200 photo converted into the wide-gamut space by lcms, tagged with its profile,
      // as a PNG so that the comparison sees the pixels and not JPEG noise.
      const target = profile === 'p3' ? p3File : profile;
      const wide = await magick(large, ['-profile', ICC_PROFILES.srgb, '-profile', target]);
      expect(colourPath(await sharp(wide).metadata())).toBe('after-resize');

      // Act
      const preview = await pixels((await resizeImage(wide, { width: 800 })).data);

      // Assess: measured MAD 0.29-0.52, SSIM 0.9997-0.9998 (ProPhoto, the widest gamut, is the worst).
      const before = await pixels(await fullResolutionTransform(wide, 800, 600));
      expect(meanAbsoluteDifference(preview, before)).toBeLessThanOrEqual(2);
      expect(ssim(preview, before)).toBeGreaterThanOrEqual(0.999);
      const reference = await pixels(await referencePreview(wide, { width: 800, height: 600 }));
      expect(ssim(preview, reference)).toBeGreaterThanOrEqual(0.995);
    });
  });
});
