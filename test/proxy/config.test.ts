import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadProxyConfig, parseProxyConfig, PROXY_DEFAULTS } from '@preview-lambda/proxy/config';
import { ProxyConfigError, ProxyError } from '@preview-lambda/proxy/errors';
import { BUILT_IN_ERROR_IMAGE, BUILT_IN_NOT_FOUND_IMAGE, md5Etag } from '@preview-lambda/proxy/images';

const MINIMAL = { SOURCE_BUCKET: 'originals-bucket', PRESETS: 'small=320' };

/** Parses and returns the ProxyConfigError's issues, failing when parsing succeeds. */
function issuesOf(env: Record<string, string | undefined>, readFile?: (path: string) => Buffer): readonly string[] {
  try {
    parseProxyConfig(env, readFile === undefined ? {} : { readFile });
  } catch (error) {
    expect(error).toBeInstanceOf(ProxyConfigError);
    expect(error).toBeInstanceOf(ProxyError);
    expect((error as ProxyConfigError).code).toBe('CONFIGURATION');
    return (error as ProxyConfigError).issues;
  }
  throw new Error('Expected parseProxyConfig to throw');
}

/** A readFile over an in-memory file system. */
function files(contents: Record<string, string | Buffer>): (path: string) => Buffer {
  return (path) => {
    const content = contents[path];
    if (content === undefined) {
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
    }
    return Buffer.from(content);
  };
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

describe('Function: parseProxyConfig', () => {
  it('applies every default when only the required variables are set', () => {
    const config = parseProxyConfig(MINIMAL);
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      functionName: 'PreviewFunction',
      sourceBucket: 'originals-bucket',
      destinationBucket: 'originals-bucket',
      layout: { sourcePrefix: 'photo', previewRoot: 'prew' },
      invokeTimeoutMs: 22_000,
      requestTimeoutMs: 25_000,
      keepAliveTimeoutMs: 65_000,
      maxInFlight: 64,
      maxCoalesced: 1024,
      s3ForcePathStyle: false,
      cacheControl: 'public, max-age=86400',
      notFoundCacheControl: 'public, max-age=60',
      errorCacheControl: 'no-store',
      logLevel: 'info',
      endpoints: {},
      formatOrder: ['avif', 'webp'],
      metrics: { port: undefined, host: '127.0.0.1' },
    });
    expect(config.layout.presets).toEqual(new Map([['small', { width: 320, formats: [] }]]));
    expect(config.notFoundImage).toBe(BUILT_IN_NOT_FOUND_IMAGE);
    expect(config.errorImage).toBe(BUILT_IN_ERROR_IMAGE);
    expect(PROXY_DEFAULTS.PORT).toBe(config.port);
  });

  it('reads the formats of PRESETS and the choice order FORMAT_ORDER', () => {
    const config = parseProxyConfig({ ...MINIMAL, PRESETS: 'small=320;avif;webp,large=1440', FORMAT_ORDER: ' webp , AVIF ' });
    expect(config.layout.presets.get('small')).toEqual({ width: 320, formats: ['avif', 'webp'] });
    expect(config.formatOrder).toEqual(['webp', 'avif']);
    expect(parseProxyConfig({ ...MINIMAL, FORMAT_ORDER: 'webp' }).formatOrder).toEqual(['webp']);
  });

  it.each([
    ['an unknown format', 'avif,gif'],
    ['a format twice', 'webp,webp'],
  ])('refuses FORMAT_ORDER with %s', (_what, value) => {
    expect(() => parseProxyConfig({ ...MINIMAL, FORMAT_ORDER: value })).toThrow(
      `FORMAT_ORDER: Expected comma-separated output formats (avif, webp), each once, e.g. "avif,webp" (received "${value}")`,
    );
  });

  it('returns a frozen object', () => {
    const config = parseProxyConfig(MINIMAL);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.endpoints)).toBe(true);
  });

  it('reads every variable', () => {
    const config = parseProxyConfig({
      PORT: '0',
      HOST: '0.0.0.0',
      PREVIEW_FUNCTION_NAME: 'arn:aws:lambda:eu-west-1:123456789012:function:preview:live',
      SOURCE_BUCKET: 'originals-bucket',
      DESTINATION_BUCKET: 'previews.bucket',
      SOURCE_PREFIX: 'media/originals',
      PREVIEW_ROOT: 'previews',
      PRESETS: ' small = 320 , medium=720,large=1440, ',
      INVOKE_TIMEOUT_MS: '1000',
      REQUEST_TIMEOUT_MS: '2000',
      KEEP_ALIVE_TIMEOUT_MS: '5000',
      MAX_IN_FLIGHT: '8',
      MAX_COALESCED: '0',
      S3_FORCE_PATH_STYLE: 'true',
      CACHE_CONTROL: 'public, max-age=600',
      NOT_FOUND_CACHE_CONTROL: 'public, max-age=5',
      ERROR_CACHE_CONTROL: 'no-cache',
      LOG_LEVEL: 'WARN',
      AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:3001',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4569',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:5000',
    });
    expect(config).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      functionName: 'arn:aws:lambda:eu-west-1:123456789012:function:preview:live',
      destinationBucket: 'previews.bucket',
      layout: { sourcePrefix: 'media/originals', previewRoot: 'previews' },
      invokeTimeoutMs: 1000,
      requestTimeoutMs: 2000,
      keepAliveTimeoutMs: 5000,
      maxInFlight: 8,
      maxCoalesced: 0,
      s3ForcePathStyle: true,
      cacheControl: 'public, max-age=600',
      notFoundCacheControl: 'public, max-age=5',
      errorCacheControl: 'no-cache',
      logLevel: 'warn',
      endpoints: {
        lambda: 'http://127.0.0.1:3001',
        s3: 'http://127.0.0.1:4569',
        default: 'http://127.0.0.1:5000',
      },
    });
    expect([...config.layout.presets]).toEqual([
      ['small', { width: 320, formats: [] }],
      ['medium', { width: 720, formats: [] }],
      ['large', { width: 1440, formats: [] }],
    ]);
  });

  it('treats empty variables as unset', () => {
    const config = parseProxyConfig({ ...MINIMAL, PORT: '', DESTINATION_BUCKET: '  ', PRESETS_FILE: '' });
    expect(config.port).toBe(8080);
    expect(config.destinationBucket).toBe('originals-bucket');
  });

  it('throws naming every bad variable at once', () => {
    const issues = issuesOf({
      PORT: '99999',
      SOURCE_BUCKET: 'Not_A_Bucket',
      PRESETS: 'small=abc',
      INVOKE_TIMEOUT_MS: '-1',
      MAX_IN_FLIGHT: '0',
      MAX_COALESCED: '-1',
      S3_FORCE_PATH_STYLE: 'maybe',
      LOG_LEVEL: 'loud',
      CACHE_CONTROL: 'public\nmax-age=1',
      PREVIEW_ROOT: 'a/b',
      SOURCE_PREFIX: '/photo/',
      PREVIEW_FUNCTION_NAME: 'has space',
      AWS_ENDPOINT_URL_LAMBDA: 'localhost:3001',
    });
    expect(issues).toEqual([
      'PORT: Expected an integer from 0 to 65535 (received "99999")',
      'PREVIEW_FUNCTION_NAME: Expected a Lambda function name or ARN (received "has space")',
      'SOURCE_BUCKET: Expected an S3 bucket name (3-63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit) (received "Not_A_Bucket")',
      'SOURCE_PREFIX: Expected "/"-separated key segments of A-Z, a-z, 0-9, ".", "_", "~" or "-" without "/" around them, e.g. "photo" (received "/photo/")',
      'PREVIEW_ROOT: Expected one key segment of A-Z, a-z, 0-9, ".", "_", "~" or "-", e.g. "prew" (received "a/b")',
      'PRESETS: Expected name=width pairs separated by commas, each optionally followed by ";format" for every output format it offers, e.g. "small=320;avif;webp,medium=720" (names of a-z, 0-9, _ or -; widths integers from 1 to 16383; formats avif, webp, each once) but received "small=abc"',
      'INVOKE_TIMEOUT_MS: Expected an integer from 1 to 2147483647 (received "-1")',
      'MAX_IN_FLIGHT: Expected an integer of at least 1 (received "0")',
      'MAX_COALESCED: Expected an integer of at least 0 (received "-1")',
      'S3_FORCE_PATH_STYLE: Expected true or false (received "maybe")',
      'CACHE_CONTROL: Expected a header value of printable ASCII characters (received "public\\nmax-age=1")',
      'LOG_LEVEL: Expected one of trace, debug, info, warn, error, fatal, silent (received "loud")',
      'AWS_ENDPOINT_URL_LAMBDA: Expected an http(s) URL (received "localhost:3001")',
    ]);
  });

  it('puts every issue in the error message, one per line', () => {
    expect(() => parseProxyConfig({ PRESETS: 'small=320', PORT: 'x' })).toThrow(
      'Invalid proxy environment:\n  PORT: Expected an integer from 0 to 65535 (received "x")\n  SOURCE_BUCKET: Expected an S3 bucket name (3-63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit) (not set)',
    );
  });

  it('throws when SOURCE_BUCKET is not set', () => {
    expect(issuesOf({ PRESETS: 'small=320' })).toEqual([
      'SOURCE_BUCKET: Expected an S3 bucket name (3-63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit) (not set)',
    ]);
  });

  it('throws when neither PRESETS nor PRESETS_FILE is set', () => {
    expect(issuesOf({ SOURCE_BUCKET: 'originals-bucket' })).toEqual([
      'PRESETS: Expected name=width pairs like "small=320,medium=720" (or a JSON file in PRESETS_FILE) but neither PRESETS nor PRESETS_FILE is set',
    ]);
  });

  it('throws when both PRESETS and PRESETS_FILE are set', () => {
    const readFile = files({ '/etc/presets.json': '{"small": 320}' });
    expect(issuesOf({ ...MINIMAL, PRESETS_FILE: '/etc/presets.json' }, readFile)).toEqual([
      'PRESETS: Expected either PRESETS or PRESETS_FILE but both are set (received "small=320")',
    ]);
  });

  it('reads presets from PRESETS_FILE', () => {
    const readFile = files({ '/etc/presets.json': '{"small": 320, "x-large_2": 2880}' });
    const config = parseProxyConfig({ SOURCE_BUCKET: 'originals-bucket', PRESETS_FILE: '/etc/presets.json' }, { readFile });
    expect(config.layout.presets).toEqual(
      new Map([
        ['small', { width: 320, formats: [] }],
        ['x-large_2', { width: 2880, formats: [] }],
      ]),
    );
  });

  it.each([
    ['a missing file', {}, /^PRESETS_FILE: Expected a readable JSON file like \{"small": 320\} but it is not: ENOENT.* \(received "\/p.json"\)$/],
    ['a file that is not JSON', { '/p.json': 'small=320' }, /^PRESETS_FILE: Expected a readable JSON file like \{"small": 320\} but it is not: .*JSON.* \(received "\/p.json"\)$/],
    [
      'a JSON array',
      { '/p.json': '[320]' },
      /^PRESETS_FILE: Expected a JSON object of preset name to width or to \{"width", "formats"\}, .* but received \[320\] \(received "\/p.json"\)$/,
    ],
    [
      'a bad name or width',
      { '/p.json': '{"Small": 320, "ok": 1, "big": 1e9, "half": 1.5, "text": "320"}' },
      /but received .* \(bad: "Small", "big", "half", "text"\) \(received "\/p.json"\)$/,
    ],
    ['an empty object', { '/p.json': '{}' }, /but received an empty object \(received "\/p.json"\)$/],
  ])('throws when PRESETS_FILE is %s', (_what, contents, expected) => {
    const issues = issuesOf({ SOURCE_BUCKET: 'originals-bucket', PRESETS_FILE: '/p.json' }, files(contents));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(expected);
  });

  it('serves /metrics on PORT by default, on METRICS_HOST:METRICS_PORT when given (host: HOST by default)', () => {
    expect(parseProxyConfig({ ...MINIMAL, HOST: '10.0.0.5', METRICS_PORT: '9464' }).metrics).toEqual({ port: 9464, host: '10.0.0.5' });
    expect(parseProxyConfig({ ...MINIMAL, METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' }).metrics).toEqual({ port: 9464, host: '0.0.0.0' });
    expect(parseProxyConfig({ ...MINIMAL, METRICS_PORT: '' }).metrics).toEqual({ port: undefined, host: '127.0.0.1' });
  });

  it('throws when METRICS_PORT is PORT, is not a port, or METRICS_HOST comes without it', () => {
    expect(issuesOf({ ...MINIMAL, PORT: '8081', METRICS_PORT: '8081' })).toEqual([
      'METRICS_PORT: Expected a port other than PORT (8081); leave METRICS_PORT unset to serve /metrics on PORT (received "8081")',
    ]);
    expect(issuesOf({ ...MINIMAL, METRICS_PORT: '70000' })).toEqual(['METRICS_PORT: Expected an integer from 0 to 65535 (received "70000")']);
    expect(issuesOf({ ...MINIMAL, METRICS_HOST: '0.0.0.0' })).toEqual([
      'METRICS_HOST: Expected METRICS_PORT too: without it /metrics is served on HOST:PORT (received "0.0.0.0")',
    ]);
  });

  it('throws when INVOKE_TIMEOUT_MS is not below REQUEST_TIMEOUT_MS', () => {
    expect(issuesOf({ ...MINIMAL, REQUEST_TIMEOUT_MS: '20000' })).toEqual([
      'INVOKE_TIMEOUT_MS: Expected less than REQUEST_TIMEOUT_MS (20000), so that a slow invocation is still answered 504, but received 22000',
    ]);
    expect(issuesOf({ ...MINIMAL, INVOKE_TIMEOUT_MS: '500', REQUEST_TIMEOUT_MS: '500' })).toHaveLength(1);
  });

  it('loads NOT_FOUND_IMAGE and ERROR_IMAGE files, sniffing their type', () => {
    const svg = '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>';
    const readFile = files({ '/img/404.png': PNG, '/img/error.svg': svg });
    const config = parseProxyConfig(
      { ...MINIMAL, NOT_FOUND_IMAGE: '/img/404.png', ERROR_IMAGE: '/img/error.svg' },
      { readFile },
    );
    expect(config.notFoundImage).toEqual({
      bytes: PNG,
      contentType: 'image/png',
      etag: md5Etag(PNG),
      source: '/img/404.png',
    });
    expect(config.errorImage.contentType).toBe('image/svg+xml');
    expect(config.errorImage.bytes.toString()).toBe(svg);
  });

  it('throws when NOT_FOUND_IMAGE or ERROR_IMAGE is missing or not an image', () => {
    const readFile = files({ '/img/notes.txt': 'hello' });
    const issues = issuesOf({ ...MINIMAL, NOT_FOUND_IMAGE: '/img/missing.png', ERROR_IMAGE: '/img/notes.txt' }, readFile);
    expect(issues).toHaveLength(2);
    expect(issues[0]).toMatch(/^NOT_FOUND_IMAGE: Expected a readable file but it is not: ENOENT.* \(received "\/img\/missing.png"\)$/);
    expect(issues[1]).toBe(
      'ERROR_IMAGE: Expected a PNG, JPEG, GIF, WebP or SVG image but the file is none of them (received "/img/notes.txt")',
    );
  });

  it('accepts 1, 0, TRUE and False for S3_FORCE_PATH_STYLE', () => {
    expect(parseProxyConfig({ ...MINIMAL, S3_FORCE_PATH_STYLE: '1' }).s3ForcePathStyle).toBe(true);
    expect(parseProxyConfig({ ...MINIMAL, S3_FORCE_PATH_STYLE: 'TRUE' }).s3ForcePathStyle).toBe(true);
    expect(parseProxyConfig({ ...MINIMAL, S3_FORCE_PATH_STYLE: '0' }).s3ForcePathStyle).toBe(false);
    expect(parseProxyConfig({ ...MINIMAL, S3_FORCE_PATH_STYLE: 'False' }).s3ForcePathStyle).toBe(false);
  });

  it('ignores variables it does not know', () => {
    expect(() => parseProxyConfig({ ...MINIMAL, HOME: '/root', PRESET: 'typo' })).not.toThrow();
  });
});

describe('Function: loadProxyConfig', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('reads process.env', () => {
    vi.stubEnv('SOURCE_BUCKET', 'env-bucket');
    vi.stubEnv('PRESETS', 'tiny=64');
    vi.stubEnv('PRESETS_FILE', '');
    const config = loadProxyConfig();
    expect(config.sourceBucket).toBe('env-bucket');
    expect(config.layout.presets.get('tiny')).toEqual({ width: 64, formats: [] });
  });
});
