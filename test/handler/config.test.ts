import { describe, expect, it } from 'vitest';
import { parseHandlerConfig } from '../../handler/src/config.js';
import { HandlerConfigError } from '../../handler/src/errors.js';

const MINIMAL = {
  SOURCE_BUCKETS: 'originals',
  DESTINATION_BUCKETS: 'previews',
  IDEMPOTENCY_TABLE_NAME: 'preview-idempotency',
  PRESETS: 'small=320,large=1440',
};

function issuesOf(env: Record<string, string | undefined>, readFile?: (path: string) => Buffer): readonly string[] {
  try {
    parseHandlerConfig(env, readFile === undefined ? {} : { readFile });
  } catch (error) {
    expect(error).toBeInstanceOf(HandlerConfigError);
    return (error as HandlerConfigError).issues;
  }
  throw new Error('Expected a HandlerConfigError, but nothing was thrown');
}

describe('Function: parseHandlerConfig (layout)', () => {
  it('takes the photo/prew layout by default with the configured presets', () => {
    const config = parseHandlerConfig(MINIMAL);
    expect(config.layout).toEqual({
      sourcePrefix: 'photo',
      previewRoot: 'prew',
      presets: new Map([
        ['small', { width: 320 }],
        ['large', { width: 1440 }],
      ]),
    });
  });

  it('reads another prefix and root', () => {
    const config = parseHandlerConfig({ ...MINIMAL, SOURCE_PREFIX: 'media/originals', PREVIEW_ROOT: 'previews' });
    expect(config.layout).toMatchObject({ sourcePrefix: 'media/originals', previewRoot: 'previews' });
  });

  it('reads presets from PRESETS_FILE', () => {
    const readFile = (path: string): Buffer => {
      expect(path).toBe('/opt/presets.json');
      return Buffer.from('{"thumb": 160, "hero": 2048}');
    };
    const { PRESETS: _unused, ...withoutList } = MINIMAL;
    const config = parseHandlerConfig({ ...withoutList, PRESETS_FILE: '/opt/presets.json' }, { readFile });
    expect([...config.layout.presets.keys()]).toEqual(['thumb', 'hero']);
  });

  it('throws when neither PRESETS nor PRESETS_FILE is set', () => {
    const { PRESETS: _unused, ...env } = MINIMAL;
    expect(issuesOf(env)).toEqual([
      'PRESETS: Expected name=width pairs like "small=320,medium=720" (or a JSON file in PRESETS_FILE) but neither PRESETS nor PRESETS_FILE is set',
    ]);
  });

  it('throws when both PRESETS and PRESETS_FILE are set', () => {
    expect(issuesOf({ ...MINIMAL, PRESETS_FILE: '/opt/presets.json' }, () => Buffer.from('{"a": 1}'))).toEqual([
      'PRESETS_FILE: Expected either PRESETS or PRESETS_FILE but both are set',
    ]);
  });

  it('throws naming PRESETS_FILE when the file is unreadable or not presets', () => {
    const { PRESETS: _unused, ...env } = MINIMAL;
    const missing = () => {
      throw new Error('ENOENT: no such file');
    };
    expect(issuesOf({ ...env, PRESETS_FILE: '/nope.json' }, missing)).toEqual([
      'PRESETS_FILE: Expected a readable JSON file like {"small": 320} but "/nope.json" is not: ENOENT: no such file',
    ]);
    expect(issuesOf({ ...env, PRESETS_FILE: '/p.json' }, () => Buffer.from('[320]'))[0]).toMatch(
      /^PRESETS_FILE: Expected a JSON object of preset name to width.* in "\/p.json"$/,
    );
  });

  it.each([
    ['the root equal to the prefix', 'photo', 'photo', 'the preview root "photo" is the originals prefix "photo"'],
    ['originals inside the root', 'prew/originals', 'prew', 'the originals prefix "prew/originals" lies inside the preview root "prew"'],
  ])('throws naming PREVIEW_ROOT for %s', (_what, prefix, root, reason) => {
    expect(issuesOf({ ...MINIMAL, SOURCE_PREFIX: prefix, PREVIEW_ROOT: root })).toEqual([
      `PREVIEW_ROOT: Expected a preview root apart from SOURCE_PREFIX (neither inside the other) but ${reason}`,
    ]);
  });

  it('throws naming PRESETS when a preset is wider than MAX_WIDTH', () => {
    expect(issuesOf({ ...MINIMAL, MAX_WIDTH: '1000' })).toEqual([
      'PRESETS: Expected preset widths of at most MAX_WIDTH (1000) but received large=1440',
    ]);
  });

  it('names every bad variable at once', () => {
    const issues = issuesOf({
      ...MINIMAL,
      SOURCE_PREFIX: '/photo/',
      PREVIEW_ROOT: 'a/b',
      PRESETS: 'small=abc',
      MAX_WIDTH: 'wide',
    });
    expect(issues.map((issue) => issue.split(':')[0])).toEqual(['MAX_WIDTH', 'SOURCE_PREFIX', 'PREVIEW_ROOT', 'PRESETS']);
  });
});
