import { describe, expect, it } from 'vitest';
import { IMAGE_TYPES, SOURCE_TYPES, sniffImageType } from '@preview-lambda/contract';
import { heicHeader, makeAvif, makeGif, makeJpeg, makePng, makeWebp, randomBytes } from '@preview-lambda/fixtures/images';

const bytes = (...values: number[]) => new Uint8Array(values);
const ascii = (text: string) => new TextEncoder().encode(text);

describe('Function: sniffImageType', () => {
  it.each([
    ['image/jpeg', () => makeJpeg({ width: 8, height: 8 })],
    ['image/png', () => makePng({ width: 8, height: 8 })],
    ['image/webp', () => makeWebp({ width: 8, height: 8 })],
    ['image/gif', () => makeGif({ width: 8, height: 8 })],
    ['image/avif', () => makeAvif({ width: 8, height: 8 })],
    ['image/heic', async () => heicHeader()],
  ] as const)('recognises a real %s file', async (type, make) => {
    // Act
    const result = sniffImageType(await make());

    // Assess
    expect(result).toBe(type);
  });

  it.each([
    ['image/jpeg', bytes(0xff, 0xd8, 0xff)],
    ['image/png', bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)],
    ['image/webp', ascii('RIFF\u0000\u0000\u0000\u0000WEBP')],
    ['image/gif', ascii('GIF87a')],
    ['image/gif', ascii('GIF89a')],
    ['image/avif', ascii('\u0000\u0000\u0000\u0018ftypavif\u0000\u0000\u0000\u0000mif1miaf')],
    ['image/avif', ascii('\u0000\u0000\u0000\u0018ftypmif1\u0000\u0000\u0000\u0000avifmiaf')],
    ['image/heic', ascii('\u0000\u0000\u0000\u0018ftypheic\u0000\u0000\u0000\u0000mif1heic')],
    ['image/heic', ascii('\u0000\u0000\u0000\u0014ftypmif1\u0000\u0000\u0000\u0000heix')],
  ] as const)('recognises %s from its bare signature', (type, signature) => {
    // Act & Assess
    expect(sniffImageType(signature)).toBe(type);
  });

  it.each([
    ['an empty array', bytes()],
    ['a JPEG signature cut short', bytes(0xff, 0xd8)],
    ['a PNG signature with one wrong byte', bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x00)],
    ['a RIFF file that is not WebP', ascii('RIFF\u0000\u0000\u0000\u0000WAVE')],
    ['an MP4 video (ISO BMFF, brand isom)', ascii('\u0000\u0000\u0000\u0018ftypisom\u0000\u0000\u0000\u0000isomavc1')],
    ['an unknown GIF version', ascii('GIF88a')],
    ['text', ascii('hello, world')],
    ['a file named like an image', ascii('<svg xmlns="http://www.w3.org/2000/svg"/>')],
    ['random bytes', randomBytes(64)],
  ])('returns undefined for %s', (_name, input) => {
    // Act & Assess
    expect(sniffImageType(input)).toBeUndefined();
  });

  it('reads a signature inside a larger buffer through its view offset', () => {
    // Prepare
    const backing = new Uint8Array([0, 0, 0xff, 0xd8, 0xff, 0xe0]);

    // Act & Assess
    expect(sniffImageType(backing.subarray(2))).toBe('image/jpeg');
  });

  it('lists exactly the five preview types (AVIF as a variant format)', () => {
    // Assess
    expect([...IMAGE_TYPES].sort()).toEqual(['image/avif', 'image/gif', 'image/jpeg', 'image/png', 'image/webp']);
  });

  it('recognises HEIC originals besides the preview types', () => {
    // Assess
    expect(SOURCE_TYPES).toEqual([...IMAGE_TYPES, 'image/heic']);
  });
});
