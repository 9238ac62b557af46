import {
  derivePreviewKey,
  ResizeRequestError,
  type PreviewKeyInput,
  parseResizeRequest,
  previewKey,
  ResizeRequest,
} from '@preview-lambda/contract';
import { describe, expect, it } from 'vitest';
import { previewKeyCases } from './fixtures.js';

const base: PreviewKeyInput = {
  src_key: 'photo/some/file.jpg',
  rewrite_part: 'photo',
  root_folder: 'prew',
  preset_name: 'small',
};

/** Runs `action`, expecting an ResizeRequestError, and returns it. */
function invalidRequest(action: () => unknown): ResizeRequestError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ResizeRequestError);
    return error as ResizeRequestError;
  }
  throw new Error('Expected an ResizeRequestError, but nothing was thrown');
}

/** Every issue line names the field the way the formatter does: `… for <field> but received …`. */
function expectOnlyField(error: ResizeRequestError, field: string): void {
  expect(error.code).toBe('INVALID_REQUEST');
  expect(error.issues.length).toBeGreaterThan(0);
  for (const issue of error.issues) {
    expect(issue).toMatch(new RegExp(`^Expected .+ for ${field} but received `));
  }
}

describe('Function: previewKey', () => {
  it('derives the key of the Go documentation example', () => {
    expect(previewKey(base)).toBe('prew/small/some/file.jpg');
  });

  it('removes only the leading rewrite_part, unlike Go', () => {
    expect(previewKey({ ...base, src_key: 'photo/photo/a.jpg' })).toBe('prew/small/photo/a.jpg');
  });

  it('accepts a multi-segment rewrite_part', () => {
    expect(previewKey({ ...base, src_key: 'media/photo/a.jpg', rewrite_part: 'media/photo' })).toBe(
      'prew/small/a.jpg',
    );
  });

  it('throws when src_key does not start with rewrite_part + "/"', () => {
    const error = invalidRequest(() => previewKey({ ...base, src_key: 'other/a.jpg' }));

    expect(error.issues).toEqual([
      'Expected key starting with "photo/" (rewrite_part followed by "/") for src_key but received "other/a.jpg" (string)',
    ]);
  });

  it('throws when the prefix matches only part of a segment (photography/)', () => {
    const error = invalidRequest(() => previewKey({ ...base, src_key: 'photography/a.jpg' }));

    expectOnlyField(error, 'src_key');
  });

  it.each([
    ['an empty segment', 'photo//a.jpg'],
    ['a "." segment', 'photo/./a.jpg'],
    ['a ".." segment', 'photo/a/../b.jpg'],
    ['a trailing slash', 'photo/a/'],
    ['nothing after the prefix', 'photo/'],
  ])('throws when src_key has %s', (_, sourceKey) => {
    const error = invalidRequest(() => previewKey({ ...base, src_key: sourceKey }));

    expect(error.issues).toEqual([
      `Expected key without empty, "." or ".." segments for src_key but received ${JSON.stringify(sourceKey)} (string)`,
    ]);
  });

  it.each([
    ['root_folder', 'prew/x'],
    ['root_folder', '.'],
    ['root_folder', ''],
    ['preset_name', 'a/b'],
    ['preset_name', '..'],
  ] as const)('throws when %s is %j', (field, value) => {
    const error = invalidRequest(() => previewKey({ ...base, [field]: value }));

    expect(error.issues).toEqual([
      `Expected single key segment (no "/", not "." or "..") for ${field} but received ${JSON.stringify(value)} (string)`,
    ]);
  });

  it('lists every problem at once', () => {
    const error = invalidRequest(() =>
      previewKey({ src_key: 'other//a.jpg', rewrite_part: 'photo', root_folder: '..', preset_name: 'a/b' }),
    );

    expect(error.issues).toHaveLength(4);
    expect(error.message).toBe(error.issues.join('; '));
    for (const field of ['root_folder', 'preset_name', 'src_key']) {
      expect(error.issues.some((issue) => issue.includes(` for ${field} but received `))).toBe(true);
    }
  });

  it('accepts a preview key of exactly 1024 UTF-8 bytes', () => {
    // "prew/small/" is 11 bytes; "ф" is 2 bytes.
    const rest = `${'ф'.repeat(500)}${'a'.repeat(13)}`;
    const key = previewKey({ ...base, src_key: `photo/${rest}` });

    expect(new TextEncoder().encode(key).length).toBe(1024);
  });

  it('throws when the preview key would exceed 1024 UTF-8 bytes', () => {
    const rest = `${'ф'.repeat(500)}${'a'.repeat(14)}`;
    const error = invalidRequest(() => previewKey({ ...base, src_key: `photo/${rest}` }));

    expectOnlyField(error, 'src_key');
    expect(error.issues[0]).toMatch(/at most 1024 UTF-8 bytes .*: the preview key would have 1025 bytes$/);
  });
});

describe('Function: derivePreviewKey', () => {
  it('returns the key without throwing', () => {
    expect(derivePreviewKey(base)).toEqual({ ok: true, key: 'prew/small/some/file.jpg' });
  });

  it('returns the issues without throwing', () => {
    const result = derivePreviewKey({ ...base, src_key: 'other/a.jpg' });

    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.issues).toHaveLength(1);
  });
});

describe('Golden fixtures: contract/fixtures/preview-keys.json', () => {
  it('covers both accepted and rejected requests', () => {
    expect(previewKeyCases.some((entry) => 'key' in entry.expected)).toBe(true);
    expect(previewKeyCases.some((entry) => 'error' in entry.expected)).toBe(true);
  });

  for (const { name, request, expected } of previewKeyCases) {
    if ('key' in expected) {
      it(`derives ${JSON.stringify(expected.key)}: ${name}`, () => {
        const parsed = parseResizeRequest(request);

        expect(previewKey(parsed)).toBe(expected.key);
      });
    } else {
      it(`throws naming ${expected.error.field}: ${name}`, () => {
        const fromParse = invalidRequest(() => parseResizeRequest(request));

        expect(fromParse.code).toBe(expected.error.code);
        expectOnlyField(fromParse, expected.error.field);

        // A request that satisfies the schema can only fail on the key rules: previewKey agrees.
        const schemaOnly = ResizeRequest.safeParse(request);
        if (schemaOnly.success) {
          const fromKey = invalidRequest(() => previewKey(schemaOnly.data));
          expect(fromKey.issues).toEqual(fromParse.issues);
        }
      });
    }
  }
});
