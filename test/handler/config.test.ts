import { describe, expect, it } from 'vitest';
import { parseHandlerConfig } from '@preview-lambda/handler/config';
import { HandlerConfigError } from '@preview-lambda/handler/errors';

const MINIMAL = {
  SOURCE_BUCKETS: 'originals',
  DESTINATION_BUCKETS: 'previews',
  IDEMPOTENCY_TABLE_NAME: 'preview-idempotency',
  PRESETS: 'small=320,large=1440',
};

function issuesOf(env: Record<string, string | undefined>, readFile?: (path: string) => string): readonly string[] {
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
        ['small', { width: 320, formats: [] }],
        ['large', { width: 1440, formats: [] }],
      ]),
    });
  });

  it('reads another prefix and root', () => {
    const config = parseHandlerConfig({ ...MINIMAL, SOURCE_PREFIX: 'media/originals', PREVIEW_ROOT: 'previews' });
    expect(config.layout).toMatchObject({ sourcePrefix: 'media/originals', previewRoot: 'previews' });
  });

  it('reads presets from PRESETS_FILE', () => {
    const readFile = (path: string): string => {
      expect(path).toBe('/opt/presets.json');
      return '{"thumb": 160, "hero": 2048}';
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
    expect(issuesOf({ ...MINIMAL, PRESETS_FILE: '/opt/presets.json' }, () => '{"a": 1}')).toEqual([
      'PRESETS: Expected either PRESETS or PRESETS_FILE but both are set (received "small=320,large=1440")',
    ]);
  });

  it('throws naming PRESETS_FILE when the file is unreadable or not presets', () => {
    const { PRESETS: _unused, ...env } = MINIMAL;
    const missing = () => {
      throw new Error('ENOENT: no such file');
    };
    expect(issuesOf({ ...env, PRESETS_FILE: '/nope.json' }, missing)).toEqual([
      'PRESETS_FILE: Expected a readable JSON file like {"small": 320} but it is not: ENOENT: no such file (received "/nope.json")',
    ]);
    expect(issuesOf({ ...env, PRESETS_FILE: '/p.json' }, () => '[320]')[0]).toMatch(
      /^PRESETS_FILE: Expected a JSON object of preset name to width.* but received \[320\] \(received "\/p.json"\)$/,
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
      'PRESETS: Expected preset widths of at most MAX_WIDTH (1000) but received large=1440 (received "small=320,large=1440")',
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

describe('Function: parseHandlerConfig (environment recipe)', () => {
  it('applies every default when only the required variables are set', () => {
    expect(parseHandlerConfig(MINIMAL)).toMatchObject({
      sourceBuckets: ['originals'],
      destinationBuckets: ['previews'],
      idempotencyTableName: 'preview-idempotency',
      idempotencyTtlSeconds: 86_400,
      previewAcl: 'public-read',
      cacheControl: 'public, max-age=86400',
      maxWidth: 4096,
      maxSourceBytes: 52_428_800,
      maxInputPixels: 100_000_000,
      jpegQuality: 70,
      allowEnlargement: false,
      logLevel: 'INFO',
      s3ForcePathStyle: false,
      serviceName: 'preview-lambda',
      metricsNamespace: 'PreviewLambda',
      tracing: false,
    });
  });

  it('reads the metrics namespace and the tracing switch (Powertools’ variable names)', () => {
    const config = parseHandlerConfig({ ...MINIMAL, POWERTOOLS_METRICS_NAMESPACE: 'Team/Previews#1', POWERTOOLS_TRACE_ENABLED: 'true' });
    expect([config.metricsNamespace, config.tracing]).toEqual(['Team/Previews#1', true]);
    expect(issuesOf({ ...MINIMAL, POWERTOOLS_METRICS_NAMESPACE: 'AWS/Lambda', POWERTOOLS_TRACE_ENABLED: 'sometimes' })).toEqual([
      'POWERTOOLS_METRICS_NAMESPACE: Expected a CloudWatch namespace (1-255 of A-Z, a-z, 0-9, ".", "_", "-", "/", "#", ":"; not starting with "AWS/") (received "AWS/Lambda")',
      'POWERTOOLS_TRACE_ENABLED: Expected true or false (received "sometimes")',
    ]);
  });

  it('treats empty and blank variables as unset', () => {
    const config = parseHandlerConfig({ ...MINIMAL, MAX_WIDTH: '', ALLOW_ENLARGEMENT: ' ', PRESETS_FILE: '', LOG_LEVEL: '' });
    expect([config.maxWidth, config.allowEnlargement, config.logLevel]).toEqual([4096, false, 'INFO']);
  });

  it('reads flags, levels and lists with zod’s coercions', () => {
    const config = parseHandlerConfig({
      ...MINIMAL,
      ALLOW_ENLARGEMENT: 'yes',
      S3_FORCE_PATH_STYLE: 'ON',
      LOG_LEVEL: 'debug',
      PREVIEW_ACL: 'NONE',
      SOURCE_BUCKETS: ' a-bucket , b.bucket ,',
      JPEG_QUALITY: ' 85 ',
    });
    expect(config).toMatchObject({
      allowEnlargement: true,
      s3ForcePathStyle: true,
      logLevel: 'DEBUG',
      previewAcl: 'none',
      sourceBuckets: ['a-bucket', 'b.bucket'],
      jpegQuality: 85,
    });
  });

  it('reads the variants’ encoder settings and the animation limits, with measured defaults', () => {
    expect(parseHandlerConfig(MINIMAL).variants).toEqual({
      webpQuality: 82,
      avifQuality: 60,
      maxAnimationFrames: 150,
      maxAnimationPixels: 12_000_000,
    });
    const config = parseHandlerConfig({
      ...MINIMAL,
      WEBP_QUALITY: '80',
      AVIF_QUALITY: '60',
      MAX_ANIMATION_FRAMES: '1',
      MAX_ANIMATION_PIXELS: '50000000',
    });
    expect(config.variants).toEqual({ webpQuality: 80, avifQuality: 60, maxAnimationFrames: 1, maxAnimationPixels: 50_000_000 });
    expect(issuesOf({ ...MINIMAL, AVIF_QUALITY: '0', MAX_ANIMATION_FRAMES: 'many', MAX_ANIMATION_PIXELS: '-1' })).toEqual([
      'AVIF_QUALITY: Expected an integer from 1 to 100 (received "0")',
      'MAX_ANIMATION_FRAMES: Expected an integer of at least 1 (received "many")',
      'MAX_ANIMATION_PIXELS: Expected an integer of at least 1 (received "-1")',
    ]);
  });

  it('refuses a format the preset grammar does not know, naming PRESETS', () => {
    expect(issuesOf({ ...MINIMAL, PRESETS: 'small=320;gif' })[0]).toMatch(/^PRESETS: Expected name=width pairs .*"small=320;gif"/);
  });

  it('names each bad variable with what it expected and what it received', () => {
    expect(
      issuesOf({
        ...MINIMAL,
        SOURCE_BUCKETS: 'Bad_Bucket',
        JPEG_QUALITY: '101',
        ALLOW_ENLARGEMENT: 'maybe',
        LOG_LEVEL: 'loud',
        IDEMPOTENCY_TABLE_NAME: undefined,
      }),
    ).toEqual([
      'SOURCE_BUCKETS: Expected comma-separated S3 bucket names (3-63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit) (received "Bad_Bucket")',
      'IDEMPOTENCY_TABLE_NAME: Expected a DynamoDB table name (not set)',
      'JPEG_QUALITY: Expected an integer from 1 to 100 (received "101")',
      'ALLOW_ENLARGEMENT: Expected true or false (received "maybe")',
      'LOG_LEVEL: Expected one of TRACE, DEBUG, INFO, WARN, ERROR, SILENT, CRITICAL (received "loud")',
    ]);
  });

  it('throws a HandlerConfigError whose message lists every issue on its own line', () => {
    expect(() => parseHandlerConfig({})).toThrow(/^Invalid environment:\n {2}SOURCE_BUCKETS: .*\n {2}DESTINATION_BUCKETS: /);
  });
});
