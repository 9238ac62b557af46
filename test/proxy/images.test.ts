import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  BUILT_IN_ERROR_IMAGE,
  BUILT_IN_NOT_FOUND_IMAGE,
  md5Etag,
  placeholderFromBytes,
  sniffPlaceholderType,
} from '@preview-lambda/proxy/images';

describe('Built-in placeholder images', () => {
  it.each([
    ['not found', BUILT_IN_NOT_FOUND_IMAGE, 'Image not found'],
    ['error', BUILT_IN_ERROR_IMAGE, 'Preview unavailable'],
  ])('the %s image is a small labelled SVG with its ETag', (_what, image, label) => {
    expect(image.contentType).toBe('image/svg+xml');
    expect(sniffPlaceholderType(image.bytes)).toBe('image/svg+xml');
    expect(image.bytes.byteLength).toBeLessThan(4096);
    expect(image.bytes.toString()).toContain(`aria-label="${label}"`);
    expect(image.bytes.toString()).toContain(`>${label}</text>`);
    expect(image.etag).toBe(`"${createHash('md5').update(image.bytes).digest('hex')}"`);
    expect(image.source).toBe('built-in');
    expect(Object.isFrozen(image)).toBe(true);
  });
});

describe('Function: sniffPlaceholderType', () => {
  it.each([
    ['PNG', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0], 'image/png'],
    ['JPEG', [0xff, 0xd8, 0xff, 0xe0], 'image/jpeg'],
    ['GIF', [...Buffer.from('GIF89a')], 'image/gif'],
    ['WebP', [...Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ')], 'image/webp'],
    ['SVG', [...Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')], 'image/svg+xml'],
    ['SVG with a BOM, XML declaration and comment', [...Buffer.from('\uFEFF <?xml version="1.0"?>\n<!-- x -->\n<svg>')], 'image/svg+xml'],
    ['HTML', [...Buffer.from('<html><svg></svg></html>')], undefined],
    ['text', [...Buffer.from('hello')], undefined],
    ['nothing', [], undefined],
  ])('recognises %s', (_what, bytes, type) => {
    expect(sniffPlaceholderType(Uint8Array.from(bytes))).toBe(type);
  });
});

describe('Function: placeholderFromBytes', () => {
  it('returns undefined for bytes that are not an image', () => {
    expect(placeholderFromBytes(Buffer.from('hello'), '/x.txt')).toBeUndefined();
  });

  it('computes the quoted MD5 ETag', () => {
    expect(md5Etag(Buffer.from('abc'))).toBe('"900150983cd24fb0d6963f7d28e17f72"');
  });
});
