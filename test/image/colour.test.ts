import { describe, expect, it } from 'vitest';
import { browserCmykToRgb, colourPath } from '@preview-lambda/handler/image/colour';
import { previewType } from '@preview-lambda/handler/image/encode';
import { builtInProfile } from './support.js';

describe('Function: colourPath', () => {
  it.each([
    ['untagged sRGB', { space: 'srgb' }, 'as-is'],
    ['sRGB-tagged', { space: 'srgb', icc: 'srgb' }, 'as-is'],
    ['Display P3', { space: 'srgb', icc: 'p3' }, 'after-resize'],
    ['16-bit Display P3', { space: 'rgb16', icc: 'p3' }, 'after-resize'],
    ['untagged CMYK', { space: 'cmyk' }, 'browser-cmyk'],
    ['tagged CMYK', { space: 'cmyk', icc: 'p3' }, 'before-resize'],
    ['tagged grey', { space: 'b-w', icc: 'srgb' }, 'before-resize'],
  ] as const)('sends %s sources the %s way', async (_name, header, expected) => {
    // Prepare
    const icc = 'icc' in header ? await builtInProfile(header.icc) : undefined;

    // Act & Assess
    expect(colourPath({ space: header.space, icc })).toBe(expected);
  });
});

describe('Function: browserCmykToRgb', () => {
  it('applies R = floor(iC x iK / 255) to the stored (Adobe-inverted) samples, as Chrome and Firefox do', () => {
    // Prepare: ink amounts as libvips gives them (0 = no ink): paper, 100 % K, 100 % C, 50 % C + 50 % K.
    const inks = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 255, 255, 0, 0, 0, 128, 0, 0, 128]);

    // Act
    const rgb = browserCmykToRgb(inks, true);

    // Assess: stored = 255 - ink; 127 x 127 / 255 = 63.25.
    expect(Array.from(rgb)).toEqual([255, 255, 255, 0, 0, 0, 0, 255, 255, 63, 127, 127]);
  });

  it('uses the samples as stored when the file has no Adobe segment', () => {
    // Act & Assess
    expect(Array.from(browserCmykToRgb(Uint8Array.from([255, 255, 255, 255]), false))).toEqual([255, 255, 255]);
  });
});

describe('Function: previewType', () => {
  it('previews AVIF as JPEG, or PNG when it has alpha, and every other type as itself, without a format', () => {
    // Assess
    expect(previewType('image/avif', { hasAlpha: false }, undefined, false)).toBe('image/jpeg');
    expect(previewType('image/avif', { hasAlpha: true }, undefined, false)).toBe('image/png');
    expect(previewType('image/webp', { hasAlpha: true }, undefined, false)).toBe('image/webp');
    expect(previewType('image/gif', { hasAlpha: true }, undefined, true)).toBe('image/gif');
    expect(() => previewType('image/heic', { hasAlpha: false }, undefined, false)).toThrow('HEIC has no preview type');
  });

  it("writes a variant in its format whatever the source's, and an animation asked for as AVIF as WebP", () => {
    // Assess
    expect(previewType('image/jpeg', { hasAlpha: false }, 'avif', false)).toBe('image/avif');
    expect(previewType('image/png', { hasAlpha: true }, 'webp', false)).toBe('image/webp');
    expect(previewType('image/avif', { hasAlpha: false }, 'avif', false)).toBe('image/avif');
    expect(previewType('image/gif', { hasAlpha: true }, 'avif', false)).toBe('image/avif');
    expect(previewType('image/gif', { hasAlpha: true }, 'avif', true)).toBe('image/webp');
    expect(previewType('image/webp', { hasAlpha: false }, 'webp', true)).toBe('image/webp');
  });
});
