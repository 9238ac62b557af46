/**
 * The proxy's configuration: the environment parsed once, at start-up, by one zod schema. Nothing else in
 * the proxy reads `process.env` (the AWS SDK reads its own standard variables: `AWS_REGION`, credentials,
 * `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_LAMBDA`, `AWS_ENDPOINT_URL_S3`).
 *
 * A bad environment fails fast with a {@link ProxyConfigError} naming every bad variable at once.
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { ProxyConfigError } from './errors.js';
import {
  BUILT_IN_ERROR_IMAGE,
  BUILT_IN_NOT_FOUND_IMAGE,
  type PlaceholderImage,
  placeholderFromBytes,
} from './images.js';
import {
  BUCKET_NAME,
  DEFAULT_INVOKE_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  isPreviewRoot,
  isSourcePrefix,
  LAYOUT_SEGMENT_CHARACTERS,
  layoutOverlap,
  type PresetCatalogue,
  type PresetsResult,
  parsePresetList,
  parsePresetObject,
  type PreviewLayout,
} from '@preview-lambda/contract';

/** Log levels accepted by `LOG_LEVEL` (pino's). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Every default, by variable. */
export const PROXY_DEFAULTS = Object.freeze({
  PORT: 8080,
  HOST: '127.0.0.1',
  PREVIEW_FUNCTION_NAME: 'PreviewFunction',
  SOURCE_PREFIX: 'photo',
  PREVIEW_ROOT: 'prew',
  INVOKE_TIMEOUT_MS: DEFAULT_INVOKE_TIMEOUT_MS,
  REQUEST_TIMEOUT_MS: DEFAULT_REQUEST_TIMEOUT_MS,
  KEEP_ALIVE_TIMEOUT_MS: 65_000,
  MAX_IN_FLIGHT: 64,
  MAX_COALESCED: 1024,
  S3_FORCE_PATH_STYLE: false,
  CACHE_CONTROL: 'public, max-age=31536000, immutable',
  NOT_FOUND_CACHE_CONTROL: 'public, max-age=60',
  ERROR_CACHE_CONTROL: 'no-store',
  LOG_LEVEL: 'info',
} as const);

/** The proxy's configuration, typed and frozen. */
export interface ProxyConfig {
  /** TCP port to listen on; `0` picks a free one (`PORT`). */
  readonly port: number;
  /** Address to bind (`HOST`). */
  readonly host: string;
  /** Name, partial ARN or ARN of the preview function (`PREVIEW_FUNCTION_NAME`). */
  readonly functionName: string;
  /** Bucket holding the originals (`SOURCE_BUCKET`). */
  readonly sourceBucket: string;
  /** Bucket the previews are written to and stored previews read from (`DESTINATION_BUCKET`). */
  readonly destinationBucket: string;
  /**
   * The function's layout, which the proxy builds its requests from: `SOURCE_PREFIX` (key prefix of the
   * originals, e.g. `photo`), `PREVIEW_ROOT` (first URL and key segment of previews, e.g. `prew`) and
   * `PRESETS` or `PRESETS_FILE` (preset name → width). The function must be configured alike.
   */
  readonly layout: PreviewLayout;
  /** Deadline of one invocation, waits on in-progress duplicates included (`INVOKE_TIMEOUT_MS`). */
  readonly invokeTimeoutMs: number;
  /** Deadline of one request, from arrival to the last byte sent (`REQUEST_TIMEOUT_MS`). */
  readonly requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open (`KEEP_ALIVE_TIMEOUT_MS`). */
  readonly keepAliveTimeoutMs: number;
  /**
   * Most distinct previews handled at once (`MAX_IN_FLIGHT`): requests for a preview no other request is
   * handling open one; beyond it they are answered 503. Requests for one preview count once.
   */
  readonly maxInFlight: number;
  /**
   * Most requests handled at once for previews another request is already handling (`MAX_COALESCED`): they
   * wait on its invocation and cost no work of their own; beyond it they are answered 503.
   */
  readonly maxCoalesced: number;
  /** Body of 404 answers for previews (`NOT_FOUND_IMAGE`). */
  readonly notFoundImage: PlaceholderImage;
  /** Body of 5xx answers for previews (`ERROR_IMAGE`). */
  readonly errorImage: PlaceholderImage;
  /** Path-style S3 addressing, for local S3 emulators (`S3_FORCE_PATH_STYLE`). */
  readonly s3ForcePathStyle: boolean;
  /** `Cache-Control` of previews (`CACHE_CONTROL`). */
  readonly cacheControl: string;
  /** `Cache-Control` of 404 answers (`NOT_FOUND_CACHE_CONTROL`). */
  readonly notFoundCacheControl: string;
  /** `Cache-Control` of 5xx answers (`ERROR_CACHE_CONTROL`). */
  readonly errorCacheControl: string;
  /** Log level (`LOG_LEVEL`). */
  readonly logLevel: LogLevel;
  /**
   * The endpoint overrides the AWS SDK will use, for the start-up log only (the SDK reads them itself):
   * `AWS_ENDPOINT_URL_LAMBDA`, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`.
   */
  readonly endpoints: Readonly<{ lambda?: string; s3?: string; default?: string }>;
}

/** Options of {@link parseProxyConfig}. */
export interface ParseProxyConfigOptions {
  /** Reads a file (`PRESETS_FILE`, `NOT_FOUND_IMAGE`, `ERROR_IMAGE`). Default: `fs.readFileSync`. */
  readFile?: (path: string) => Buffer;
}

/** The environment, as given to {@link parseProxyConfig}. */
export type ProxyEnvironment = Readonly<Record<string, string | undefined>>;

const FUNCTION_NAME = /^[A-Za-z0-9_.:$-]{1,170}$/;
const HEADER_VALUE = /^[\x20-\x7e]+$/;
const MAX_TIMEOUT_MS = 2_147_483_647;

function describe(value: unknown): string {
  return JSON.stringify(value);
}

function fail(ctx: z.RefinementCtx, message: string): never {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
}

function integer(expected: string, min: number, max: number) {
  return z.string().transform((raw, ctx) => {
    const value = /^[0-9]+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      return fail(ctx, `Expected ${expected} but received ${describe(raw)}`);
    }
    return value;
  });
}

function milliseconds() {
  return integer(`a number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`, 1, MAX_TIMEOUT_MS);
}

function boolean() {
  return z.string().transform((raw, ctx) => {
    const value = raw.toLowerCase();
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    return fail(ctx, `Expected true or false but received ${describe(raw)}`);
  });
}

function matching(pattern: RegExp, expected: string) {
  return z.string().refine((raw) => pattern.test(raw), {
    error: (issue) => `Expected ${expected} but received ${describe(issue.input)}`,
  });
}

function bucket() {
  return matching(
    BUCKET_NAME,
    'an S3 bucket name (3-63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit)',
  );
}

function headerValue() {
  return matching(HEADER_VALUE, 'a header value of printable ASCII characters');
}

function url() {
  return z.string().refine((raw) => URL.canParse(raw) && /^https?:$/.test(new URL(raw).protocol), {
    error: (issue) => `Expected an http(s) URL but received ${describe(issue.input)}`,
  });
}

function presetsResult(ctx: z.RefinementCtx, result: PresetsResult): PresetCatalogue {
  return result.ok ? result.presets : fail(ctx, result.message);
}

function readable(
  readFile: (path: string) => Buffer,
  path: string,
  ctx: z.RefinementCtx,
): Buffer | undefined {
  try {
    return readFile(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    fail(ctx, `Expected a readable file but could not read ${describe(path)}: ${reason}`);
    return undefined;
  }
}

function presetsFile(readFile: (path: string) => Buffer) {
  return z.string().transform((path, ctx) => {
    const bytes = readable(readFile, path, ctx);
    if (bytes === undefined) return z.NEVER;
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const expected = 'Expected a JSON file like {"small": 320}';
      return fail(ctx, `${expected} but ${describe(path)} is not JSON: ${reason}`);
    }
    const result = parsePresetObject(json);
    return result.ok ? result.presets : fail(ctx, `${result.message} in ${describe(path)}`);
  });
}

function imageFile(readFile: (path: string) => Buffer) {
  return z.string().transform((path, ctx) => {
    const bytes = readable(readFile, path, ctx);
    if (bytes === undefined) return z.NEVER;
    return (
      placeholderFromBytes(bytes, path) ??
      fail(ctx, `Expected a PNG, JPEG, GIF, WebP or SVG image but ${describe(path)} is none of them`)
    );
  });
}

/**
 * Schema of the proxy's environment. Every variable is a string; unset and empty variables take their
 * default. `PRESETS`/`PRESETS_FILE` presence and the timeout order are checked by
 * {@link parseProxyConfig}.
 */
function proxyEnvironmentSchema(readFile: (path: string) => Buffer) {
  const d = PROXY_DEFAULTS;
  return z.object({
    PORT: integer('a TCP port from 0 to 65535', 0, 65_535).default(d.PORT),
    HOST: matching(/^\S+$/, 'an address or host name to bind').default(d.HOST),
    PREVIEW_FUNCTION_NAME: matching(FUNCTION_NAME, 'a Lambda function name or ARN').default(
      d.PREVIEW_FUNCTION_NAME,
    ),
    SOURCE_BUCKET: z.string({ error: 'Expected an S3 bucket name but it is not set' }).pipe(bucket()),
    DESTINATION_BUCKET: bucket().optional(),
    SOURCE_PREFIX: z
      .string()
      .refine(isSourcePrefix, {
        error: (issue) =>
          `Expected "/"-separated key segments of ${LAYOUT_SEGMENT_CHARACTERS} without "/" around them, ` +
          `e.g. "photo", but received ${describe(issue.input)}`,
      })
      .default(d.SOURCE_PREFIX),
    PREVIEW_ROOT: z
      .string()
      .refine(isPreviewRoot, {
        error: (issue) =>
          `Expected one URL segment of ${LAYOUT_SEGMENT_CHARACTERS}, e.g. "prew" but received ${describe(issue.input)}`,
      })
      .default(d.PREVIEW_ROOT),
    PRESETS: z.string().transform((raw, ctx) => presetsResult(ctx, parsePresetList(raw))).optional(),
    PRESETS_FILE: presetsFile(readFile).optional(),
    INVOKE_TIMEOUT_MS: milliseconds().default(d.INVOKE_TIMEOUT_MS),
    REQUEST_TIMEOUT_MS: milliseconds().default(d.REQUEST_TIMEOUT_MS),
    KEEP_ALIVE_TIMEOUT_MS: milliseconds().default(d.KEEP_ALIVE_TIMEOUT_MS),
    MAX_IN_FLIGHT: integer('a positive integer', 1, Number.MAX_SAFE_INTEGER).default(d.MAX_IN_FLIGHT),
    MAX_COALESCED: integer('a non-negative integer', 0, Number.MAX_SAFE_INTEGER).default(d.MAX_COALESCED),
    NOT_FOUND_IMAGE: imageFile(readFile).optional(),
    ERROR_IMAGE: imageFile(readFile).optional(),
    S3_FORCE_PATH_STYLE: boolean().default(d.S3_FORCE_PATH_STYLE),
    CACHE_CONTROL: headerValue().default(d.CACHE_CONTROL),
    NOT_FOUND_CACHE_CONTROL: headerValue().default(d.NOT_FOUND_CACHE_CONTROL),
    ERROR_CACHE_CONTROL: headerValue().default(d.ERROR_CACHE_CONTROL),
    LOG_LEVEL: z
      .string()
      .transform((raw, ctx) => {
        const level = LOG_LEVELS.find((candidate) => candidate === raw.toLowerCase());
        return level ?? fail(ctx, `Expected one of ${LOG_LEVELS.join(', ')} but received ${describe(raw)}`);
      })
      .default(d.LOG_LEVEL),
    AWS_ENDPOINT_URL_LAMBDA: url().optional(),
    AWS_ENDPOINT_URL_S3: url().optional(),
    AWS_ENDPOINT_URL: url().optional(),
  });
}

/**
 * Parses an environment into a frozen {@link ProxyConfig}. Pure apart from `options.readFile`, which
 * reads `PRESETS_FILE`, `NOT_FOUND_IMAGE` and `ERROR_IMAGE`.
 *
 * @throws {ProxyConfigError} naming every bad variable at once, e.g.
 *   `PRESETS: Expected name=width pairs separated by commas, … but received "small=abc"`.
 */
export function parseProxyConfig(env: ProxyEnvironment, options: ParseProxyConfigOptions = {}): ProxyConfig {
  const schema = proxyEnvironmentSchema(options.readFile ?? ((path) => readFileSync(path)));
  // Only the schema's variables, with empty values treated as unset.
  const input: Record<string, string | undefined> = {};
  for (const name of Object.keys(schema.shape)) {
    const value = env[name]?.trim();
    input[name] = value === '' ? undefined : value;
  }

  const result = schema.safeParse(input);
  const issues = result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`);

  if (input.PRESETS !== undefined && input.PRESETS_FILE !== undefined) {
    issues.push('PRESETS_FILE: Expected either PRESETS or PRESETS_FILE but both are set');
  } else if (input.PRESETS === undefined && input.PRESETS_FILE === undefined) {
    issues.push(
      'PRESETS: Expected name=width pairs like "small=320,medium=720" (or a JSON file in PRESETS_FILE) ' +
        'but neither PRESETS nor PRESETS_FILE is set',
    );
  }
  const invokeTimeout = schema.shape.INVOKE_TIMEOUT_MS.safeParse(input.INVOKE_TIMEOUT_MS);
  const requestTimeout = schema.shape.REQUEST_TIMEOUT_MS.safeParse(input.REQUEST_TIMEOUT_MS);
  if (invokeTimeout.success && requestTimeout.success && invokeTimeout.data >= requestTimeout.data) {
    const received = describe(input.INVOKE_TIMEOUT_MS ?? String(invokeTimeout.data));
    issues.push(
      `INVOKE_TIMEOUT_MS: Expected less than REQUEST_TIMEOUT_MS (${requestTimeout.data}), so that a slow ` +
        `invocation is still answered 504, but received ${received}`,
    );
  }

  const overlap = result.success ? layoutOverlap(result.data.SOURCE_PREFIX, result.data.PREVIEW_ROOT) : undefined;
  if (overlap !== undefined) {
    issues.push(`PREVIEW_ROOT: Expected a preview root apart from SOURCE_PREFIX (neither inside the other) but ${overlap}`);
  }

  if (!result.success || issues.length > 0) {
    throw new ProxyConfigError(issues);
  }
  const e = result.data;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    functionName: e.PREVIEW_FUNCTION_NAME,
    sourceBucket: e.SOURCE_BUCKET,
    destinationBucket: e.DESTINATION_BUCKET ?? e.SOURCE_BUCKET,
    layout: Object.freeze({
      sourcePrefix: e.SOURCE_PREFIX,
      previewRoot: e.PREVIEW_ROOT,
      presets: (e.PRESETS ?? e.PRESETS_FILE)!,
    }),
    invokeTimeoutMs: e.INVOKE_TIMEOUT_MS,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS,
    maxInFlight: e.MAX_IN_FLIGHT,
    maxCoalesced: e.MAX_COALESCED,
    notFoundImage: e.NOT_FOUND_IMAGE ?? BUILT_IN_NOT_FOUND_IMAGE,
    errorImage: e.ERROR_IMAGE ?? BUILT_IN_ERROR_IMAGE,
    s3ForcePathStyle: e.S3_FORCE_PATH_STYLE,
    cacheControl: e.CACHE_CONTROL,
    notFoundCacheControl: e.NOT_FOUND_CACHE_CONTROL,
    errorCacheControl: e.ERROR_CACHE_CONTROL,
    logLevel: e.LOG_LEVEL,
    endpoints: Object.freeze({
      ...(e.AWS_ENDPOINT_URL_LAMBDA === undefined ? {} : { lambda: e.AWS_ENDPOINT_URL_LAMBDA }),
      ...(e.AWS_ENDPOINT_URL_S3 === undefined ? {} : { s3: e.AWS_ENDPOINT_URL_S3 }),
      ...(e.AWS_ENDPOINT_URL === undefined ? {} : { default: e.AWS_ENDPOINT_URL }),
    }),
  });
}

/** Reads the proxy's configuration from `process.env`: the one place the proxy touches it. */
export function loadProxyConfig(options: ParseProxyConfigOptions = {}): ProxyConfig {
  return parseProxyConfig(process.env, options);
}
