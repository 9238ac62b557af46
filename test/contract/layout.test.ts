import {
  checkRequestLayout,
  isPreviewRoot,
  isSourcePrefix,
  layoutOverlap,
  layoutRequest,
  parsePresetList,
  parseResizeRequestWithKey,
  type PresetCatalogue,
  type PreviewLayout,
  previewLocations,
} from '@preview-lambda/contract';
import { describe, expect, it } from 'vitest';
import { GO_EXAMPLE_REQUEST } from '../support/requests.js';

function presets(text: string): PresetCatalogue {
  const result = parsePresetList(text);
  if (!result.ok) throw new Error(result.message);
  return result.presets;
}

const LAYOUT: PreviewLayout = {
  sourcePrefix: 'photo',
  previewRoot: 'prew',
  presets: presets('small=320,medium=720,large=1440'),
};

/** The same layout with variants: `small` offers AVIF and WebP, `medium` WebP, `large` none. */
const VARIANTS: PreviewLayout = { ...LAYOUT, presets: presets('small=320;avif;webp,medium=720;webp,large=1440') };

/** The Go example payload at preset `large`, which the layout allows. */
const ALLOWED = { ...GO_EXAMPLE_REQUEST, preset_name: 'large', width: 1440 };

describe('Function: checkRequestLayout', () => {
  it('accepts a request inside the layout', () => {
    expect(checkRequestLayout(ALLOWED, LAYOUT)).toBeUndefined();
  });

  it.each([
    // The attacks of the layout issue, and their variants.
    ['rewrite_part naming a subfolder of the originals', { rewrite_part: 'photo/samples' }, 'rewrite_part', '"photo/samples"'],
    ['rewrite_part outside the originals', { rewrite_part: 'secret' }, 'rewrite_part', '"secret"'],
    ['rewrite_part naming the preview root (a preview as source)', { rewrite_part: 'prew' }, 'rewrite_part', '"prew"'],
    ['root_folder equal to the originals prefix', { root_folder: 'photo' }, 'root_folder', '"photo"'],
    ['root_folder elsewhere', { root_folder: 'public' }, 'root_folder', '"public"'],
  ])('answers LAYOUT_NOT_ALLOWED for %s', (_what, overrides, field, received) => {
    const refusal = checkRequestLayout({ ...ALLOWED, ...overrides }, LAYOUT);
    expect(refusal?.code).toBe('LAYOUT_NOT_ALLOWED');
    expect(refusal?.message).toMatch(new RegExp(`^Expected ".*" \\(the .*\\) for ${field} but received ${received}$`));
  });

  it('answers UNKNOWN_PRESET naming the configured presets', () => {
    expect(checkRequestLayout({ ...ALLOWED, preset_name: 'samples' }, LAYOUT)).toEqual({
      code: 'UNKNOWN_PRESET',
      message: 'Expected one of the presets "small", "medium", "large" for preset_name but received "samples"',
    });
  });

  it('answers PRESET_WIDTH_MISMATCH naming the preset width', () => {
    expect(checkRequestLayout({ ...ALLOWED, preset_name: 'small', width: 4096 }, LAYOUT)).toEqual({
      code: 'PRESET_WIDTH_MISMATCH',
      message: 'Expected 320 (the width of preset "small") for width but received 4096',
    });
  });

  it('accepts a format its preset lists, and no format at all', () => {
    const small = { ...ALLOWED, preset_name: 'small', width: 320 };
    expect(checkRequestLayout({ ...small, format: 'avif' }, VARIANTS)).toBeUndefined();
    expect(checkRequestLayout({ ...small, format: 'webp' }, VARIANTS)).toBeUndefined();
    expect(checkRequestLayout(small, VARIANTS)).toBeUndefined();
    expect(checkRequestLayout(ALLOWED, VARIANTS)).toBeUndefined();
  });

  it('answers FORMAT_NOT_IN_PRESET for a format its preset does not list, naming those it does', () => {
    expect(checkRequestLayout({ ...ALLOWED, preset_name: 'medium', width: 720, format: 'avif' }, VARIANTS)).toEqual({
      code: 'FORMAT_NOT_IN_PRESET',
      message: 'Expected one of "webp" (the formats of preset "medium") for format but received "avif"',
    });
    expect(checkRequestLayout({ ...ALLOWED, format: 'webp' }, VARIANTS)).toEqual({
      code: 'FORMAT_NOT_IN_PRESET',
      message: 'Expected no format (preset "large" lists none) for format but received "webp"',
    });
    expect(checkRequestLayout({ ...ALLOWED, format: 'avif' }, LAYOUT)?.code).toBe('FORMAT_NOT_IN_PRESET');
  });

  it('checks the layout before the preset and the preset before the width', () => {
    const all = { ...ALLOWED, rewrite_part: 'secret', preset_name: 'nope', width: 1 };
    expect(checkRequestLayout(all, LAYOUT)?.code).toBe('LAYOUT_NOT_ALLOWED');
    expect(checkRequestLayout({ ...all, rewrite_part: 'photo' }, LAYOUT)?.code).toBe('UNKNOWN_PRESET');
    expect(checkRequestLayout({ ...all, rewrite_part: 'photo', preset_name: 'medium' }, LAYOUT)?.code).toBe(
      'PRESET_WIDTH_MISMATCH',
    );
    expect(checkRequestLayout({ ...all, rewrite_part: 'photo', preset_name: 'medium', format: 'avif' }, VARIANTS)?.code).toBe(
      'PRESET_WIDTH_MISMATCH',
    );
  });
});

describe('Function: layoutOverlap', () => {
  it.each([
    ['photo', 'prew'],
    ['photography', 'photo'],
    ['media/originals', 'previews'],
    ['photo/prew', 'prew'],
  ])('accepts prefix %j with root %j', (prefix, root) => {
    expect(layoutOverlap(prefix, root)).toBeUndefined();
  });

  it('refuses a root equal to the prefix', () => {
    expect(layoutOverlap('photo', 'photo')).toBe('the preview root "photo" is the originals prefix "photo"');
  });

  it('refuses originals inside the preview root', () => {
    expect(layoutOverlap('prew/originals', 'prew')).toBe(
      'the originals prefix "prew/originals" lies inside the preview root "prew"',
    );
  });
});

describe('Function: isSourcePrefix / isPreviewRoot', () => {
  it.each(['photo', 'media/originals', 'a.b_c~d-e', 'A1'])('accepts the prefix %j', (value) => {
    expect(isSourcePrefix(value)).toBe(true);
  });

  it.each(['', '/photo', 'photo/', 'a//b', '.', 'a/..', 'a b', 'a+b', 'é', 'a%2Fb'])('refuses the prefix %j', (value) => {
    expect(isSourcePrefix(value)).toBe(false);
  });

  it('takes one segment only as a root', () => {
    expect(isPreviewRoot('prew')).toBe(true);
    expect(isPreviewRoot('prew/x')).toBe(false);
    expect(isPreviewRoot('..')).toBe(false);
  });
});

describe('Function: layoutRequest', () => {
  it('builds the request the function accepts, whose key is root/preset/path', () => {
    const request = layoutRequest(LAYOUT, {
      preset: 'medium',
      path: 'some/file.jpg',
      sourceBucket: 'originals',
      destinationBucket: 'previews',
    });
    expect(request).toEqual({
      src_key: 'photo/some/file.jpg',
      src_bucket: 'originals',
      dst_bucket: 'previews',
      root_folder: 'prew',
      preset_name: 'medium',
      rewrite_part: 'photo',
      width: 720,
    });
    expect(checkRequestLayout(request!, LAYOUT)).toBeUndefined();
    expect(parseResizeRequestWithKey(request).key).toBe('prew/medium/some/file.jpg');
  });

  it('gives nothing for an unknown preset', () => {
    const target = { preset: 'huge', path: 'a.jpg', sourceBucket: 'abc', destinationBucket: 'abc' };
    expect(layoutRequest(LAYOUT, target)).toBeUndefined();
  });

  it('builds a variant request with its format, whose key is root/preset@format/path', () => {
    const target = { preset: 'small', path: 'a.jpg', sourceBucket: 'abc', destinationBucket: 'abc' };
    const request = layoutRequest(VARIANTS, { ...target, format: 'avif' });
    expect(request).toMatchObject({ preset_name: 'small', width: 320, format: 'avif' });
    expect(checkRequestLayout(request!, VARIANTS)).toBeUndefined();
    expect(parseResizeRequestWithKey(request).key).toBe('prew/small@avif/a.jpg');
    // Without a format, exactly the Go payload: no format property at all.
    expect(Object.keys(layoutRequest(VARIANTS, target)!)).not.toContain('format');
  });

  it('gives nothing for a format the preset does not list', () => {
    const target = { preset: 'medium', path: 'a.jpg', sourceBucket: 'abc', destinationBucket: 'abc', format: 'avif' } as const;
    expect(layoutRequest(VARIANTS, target)).toBeUndefined();
  });
});

describe('Function: previewLocations', () => {
  it('names one preview per preset, the keys the function derives', () => {
    const locations = previewLocations(LAYOUT, 'photo/a/b.jpg');
    expect(locations).toEqual([
      { preset: 'small', key: 'prew/small/a/b.jpg' },
      { preset: 'medium', key: 'prew/medium/a/b.jpg' },
      { preset: 'large', key: 'prew/large/a/b.jpg' },
    ]);
    for (const { preset, key } of locations!) {
      const request = { ...ALLOWED, src_key: 'photo/a/b.jpg', preset_name: preset, width: LAYOUT.presets.get(preset)!.width };
      expect(parseResizeRequestWithKey(request).key).toBe(key);
    }
  });

  it('names every variant after its preset, the keys the function derives for requests with a format', () => {
    const locations = previewLocations(VARIANTS, 'photo/a/b.jpg');
    expect(locations).toEqual([
      { preset: 'small', key: 'prew/small/a/b.jpg' },
      { preset: 'small', format: 'avif', key: 'prew/small@avif/a/b.jpg' },
      { preset: 'small', format: 'webp', key: 'prew/small@webp/a/b.jpg' },
      { preset: 'medium', key: 'prew/medium/a/b.jpg' },
      { preset: 'medium', format: 'webp', key: 'prew/medium@webp/a/b.jpg' },
      { preset: 'large', key: 'prew/large/a/b.jpg' },
    ]);
    for (const { preset, format, key } of locations!) {
      const width = VARIANTS.presets.get(preset)!.width;
      const request = { ...ALLOWED, src_key: 'photo/a/b.jpg', preset_name: preset, width, ...(format ? { format } : {}) };
      expect(checkRequestLayout(request, VARIANTS)).toBeUndefined();
      expect(parseResizeRequestWithKey(request).key).toBe(key);
    }
  });

  it('gives nothing when a variant key would pass 1024 bytes', () => {
    // prew/small/<1013> is 1024 bytes; prew/small@avif/<1013> is 1029.
    const key = `photo/${'a'.repeat(1013)}`;
    expect(previewLocations({ ...LAYOUT, presets: presets('small=320') }, key)).toHaveLength(1);
    expect(previewLocations({ ...LAYOUT, presets: presets('small=320;avif') }, key)).toBeUndefined();
  });

  it.each([
    ['outside the prefix', 'secret/a.jpg'],
    ['the prefix as a word', 'photography/a.jpg'],
    ['the prefix itself', 'photo/'],
    ['a dot segment', 'photo/../prew/small/a.jpg'],
    ['an empty segment', 'photo//a.jpg'],
    ['a preview key over 1024 bytes', `photo/${'a'.repeat(1015)}`],
  ])('gives nothing for a key %s', (_what, key) => {
    expect(previewLocations(LAYOUT, key)).toBeUndefined();
  });
});
