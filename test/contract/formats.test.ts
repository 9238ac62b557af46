import {
  acceptPattern,
  acceptsFormat,
  chooseFormat,
  DEFAULT_FORMAT_ORDER,
  isOutputFormat,
  OUTPUT_FORMAT_TYPES,
  OUTPUT_FORMATS,
  parseVariantSegment,
  variantSegment,
} from '@preview-lambda/contract';
import { describe, expect, it } from 'vitest';

describe('Function: variantSegment / parseVariantSegment', () => {
  it('names the source-format preview by its preset and a variant as preset@format, and reads both back', () => {
    expect(variantSegment('small')).toBe('small');
    expect(variantSegment('small', 'avif')).toBe('small@avif');
    for (const format of [undefined, ...OUTPUT_FORMATS]) {
      const segment = variantSegment('x-1_b', format);
      expect(parseVariantSegment(segment)).toEqual(format === undefined ? { preset: 'x-1_b' } : { preset: 'x-1_b', format });
    }
  });

  it.each(['small@', 'small@gif', 'small@AVIF', 'small@avif@webp', '@'])('reads %j as no segment at all', (segment) => {
    expect(parseVariantSegment(segment)).toBeUndefined();
  });

  it('knows exactly the output formats and their types', () => {
    expect(OUTPUT_FORMATS).toEqual(['avif', 'webp']);
    expect(OUTPUT_FORMAT_TYPES).toEqual({ avif: 'image/avif', webp: 'image/webp' });
    expect(DEFAULT_FORMAT_ORDER).toEqual(['avif', 'webp']);
    expect([isOutputFormat('webp'), isOutputFormat('jpeg'), isOutputFormat(undefined)]).toEqual([true, false, false]);
  });
});

describe('Function: acceptsFormat', () => {
  it.each([
    ["Chrome's image Accept", 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8', true, true],
    ["Safari 17's", 'image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5', true, true],
    ["Firefox's", 'image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5', true, true],
    ['an older browser without AVIF', 'image/webp,*/*', false, true],
    ['only wildcards (curl, app HTTP libraries)', '*/*', false, false],
    ['image/* alone', 'image/*', false, false],
    ['JPEG only', 'image/jpeg', false, false],
    ['a quality above 0', 'image/avif;q=0.01, image/webp; q=0.5', true, true],
    ['q=0 (not acceptable, RFC 9110)', 'image/avif;q=0,image/webp ; Q=0.000', false, false],
    ['q=0 after another parameter', 'image/avif;level=1;q=0', false, false],
    ['other parameters', 'image/avif;level=1;q=0.2', true, false],
    ['upper case', 'IMAGE/AVIF, Image/WebP', true, true],
    ['whitespace and tabs', ' text/html ,\timage/avif\t, image/webp ', true, true],
    ['longer types that start alike', 'image/avifs,image/webpx', false, false],
    ['types that end alike', 'x-image/avif,application/image/webp', false, false],
    ['empty', '', false, false],
  ])('reads %s', (_what, accept, avif, webp) => {
    expect([acceptsFormat(accept, 'avif'), acceptsFormat(accept, 'webp')]).toEqual([avif, webp]);
    // The pattern nginx gets is the same text, case-insensitive.
    expect([new RegExp(acceptPattern('avif'), 'i').test(accept), new RegExp(acceptPattern('webp'), 'i').test(accept)]).toEqual(
      [avif, webp],
    );
  });

  it('accepts nothing without a header', () => {
    expect(acceptsFormat(undefined, 'avif')).toBe(false);
  });
});

describe('Function: chooseFormat', () => {
  const browser = 'image/avif,image/webp,*/*';

  it('picks the first format of the order the preset lists and the client accepts', () => {
    expect(chooseFormat(browser, ['webp', 'avif'], ['avif', 'webp'])).toBe('avif');
    expect(chooseFormat(browser, ['webp', 'avif'], ['webp', 'avif'])).toBe('webp');
    expect(chooseFormat('image/webp', ['avif', 'webp'], ['avif', 'webp'])).toBe('webp');
    expect(chooseFormat(browser, ['webp'], ['avif', 'webp'])).toBe('webp');
  });

  it('gives the source format (undefined) when the preset lists none, the client accepts none or the order excludes it', () => {
    expect(chooseFormat(browser, [], ['avif', 'webp'])).toBeUndefined();
    expect(chooseFormat('image/jpeg,*/*', ['avif', 'webp'], ['avif', 'webp'])).toBeUndefined();
    expect(chooseFormat(undefined, ['avif', 'webp'], ['avif', 'webp'])).toBeUndefined();
    expect(chooseFormat(browser, ['avif'], ['webp'])).toBeUndefined();
  });
});
