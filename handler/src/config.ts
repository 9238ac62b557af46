/**
 * The handler's configuration: the whole environment parsed once, at cold start, by one zod schema.
 * Nothing else in the handler reads `process.env` (the AWS SDK and Powertools read their own standard
 * variables, such as `AWS_REGION`, `AWS_ENDPOINT_URL_S3` and `POWERTOOLS_SERVICE_NAME`).
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import {
  BUCKET_NAME,
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
import { HandlerConfigError } from './errors.js';
import { DEFAULT_JPEG_QUALITY, DEFAULT_MAX_INPUT_PIXELS, DEFAULT_WITHOUT_ENLARGEMENT } from './image/defaults.js';

/** Canned ACL written with each preview; `none` for buckets with ACLs disabled. */
export type PreviewAcl = 'public-read' | 'none';

/** Log levels accepted by `LOG_LEVEL`. */
const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT', 'CRITICAL'] as const;

function describe(value: unknown): string {
  return `${JSON.stringify(value)} (${typeof value})`;
}

function positiveInteger(what: string, max = Number.MAX_SAFE_INTEGER) {
  return z.string().transform((raw, ctx) => {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isSafeInteger(value) || value < 1 || value > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? '' : ` of at most ${max}`;
      ctx.addIssue({
        code: 'custom',
        message: `Expected positive integer${range} for ${what} but received ${describe(raw)}`,
      });
      return z.NEVER;
    }
    return value;
  });
}

function boolean(what: string) {
  return z.string().transform((raw, ctx) => {
    const value = raw.trim().toLowerCase();
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0' || value === '') return false;
    ctx.addIssue({
      code: 'custom',
      message: `Expected true or false for ${what} but received ${describe(raw)}`,
    });
    return z.NEVER;
  });
}

function bucketList(what: string) {
  return z.string().transform((raw, ctx) => {
    const buckets = raw
      .split(',')
      .map((bucket) => bucket.trim())
      .filter((bucket) => bucket !== '');
    const bad = buckets.filter((bucket) => !BUCKET_NAME.test(bucket));
    if (buckets.length === 0 || bad.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `Expected comma-separated S3 bucket names for ${what} but received ${describe(raw)}`,
      });
      return z.NEVER;
    }
    return Object.freeze(buckets);
  });
}

function oneOf<const T extends readonly [string, ...string[]]>(what: string, values: T) {
  return z.string().transform((raw, ctx) => {
    const match = values.find((value) => value.toLowerCase() === raw.trim().toLowerCase());
    if (match === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `Expected one of ${values.join(', ')} for ${what} but received ${describe(raw)}`,
      });
      return z.NEVER;
    }
    return match as T[number];
  });
}

function layoutPart(what: string, valid: (value: string) => boolean, expected: string) {
  return z.string().refine(valid, {
    error: (issue) => `Expected ${expected} for ${what} but received ${describe(issue.input)}`,
  });
}

function presetsResult(ctx: z.RefinementCtx, result: PresetsResult): PresetCatalogue {
  if (result.ok) return result.presets;
  ctx.addIssue({ code: 'custom', message: result.message });
  return z.NEVER;
}

function presetList() {
  return z.string().transform((raw, ctx) => presetsResult(ctx, parsePresetList(raw)));
}

function required(what: string) {
  return z.string({ error: `Expected a value for ${what} but it is not set` });
}

const SEGMENTS = `of ${LAYOUT_SEGMENT_CHARACTERS}`;

/**
 * Schema of the handler's environment. Every variable is a string; defaults apply when unset. Which of
 * `PRESETS` and `PRESETS_FILE` is set, the file's content and the layout as a whole are checked by
 * {@link parseHandlerConfig}.
 */
export const HandlerEnvironment = z.object({
  SOURCE_BUCKETS: required('SOURCE_BUCKETS').pipe(bucketList('SOURCE_BUCKETS')),
  DESTINATION_BUCKETS: required('DESTINATION_BUCKETS').pipe(bucketList('DESTINATION_BUCKETS')),
  IDEMPOTENCY_TABLE_NAME: required('IDEMPOTENCY_TABLE_NAME').pipe(
    z.string().regex(/^[a-zA-Z0-9_.-]{3,255}$/, {
      error: (issue) =>
        `Expected a DynamoDB table name for IDEMPOTENCY_TABLE_NAME but received ${describe(issue.input)}`,
    }),
  ),
  IDEMPOTENCY_TTL_SECONDS: positiveInteger('IDEMPOTENCY_TTL_SECONDS').default(86_400),
  PREVIEW_ACL: oneOf('PREVIEW_ACL', ['public-read', 'none']).default('public-read'),
  CACHE_CONTROL: z.string().default('public, max-age=31536000, immutable'),
  MAX_WIDTH: positiveInteger('MAX_WIDTH', 16_383).default(4096),
  MAX_SOURCE_BYTES: positiveInteger('MAX_SOURCE_BYTES').default(50 * 1024 * 1024),
  MAX_INPUT_PIXELS: positiveInteger('MAX_INPUT_PIXELS').default(DEFAULT_MAX_INPUT_PIXELS),
  JPEG_QUALITY: positiveInteger('JPEG_QUALITY', 100).default(DEFAULT_JPEG_QUALITY),
  ALLOW_ENLARGEMENT: boolean('ALLOW_ENLARGEMENT').default(!DEFAULT_WITHOUT_ENLARGEMENT),
  LOG_LEVEL: oneOf('LOG_LEVEL', LOG_LEVELS).default('INFO'),
  S3_FORCE_PATH_STYLE: boolean('S3_FORCE_PATH_STYLE').default(false),
  POWERTOOLS_SERVICE_NAME: z.string().min(1).default('preview-lambda'),
  SOURCE_PREFIX: layoutPart(
    'SOURCE_PREFIX',
    isSourcePrefix,
    `"/"-separated key segments ${SEGMENTS} without "/" around them, e.g. "photo",`,
  ).default('photo'),
  PREVIEW_ROOT: layoutPart('PREVIEW_ROOT', isPreviewRoot, `one key segment ${SEGMENTS}, e.g. "prew",`).default(
    'prew',
  ),
  PRESETS: presetList().optional(),
  PRESETS_FILE: z.string().optional(),
});

/** The handler's configuration, typed and frozen. */
export interface HandlerConfig {
  /** Buckets originals may be read from (`SOURCE_BUCKETS`). */
  readonly sourceBuckets: readonly string[];
  /** Buckets previews may be written to (`DESTINATION_BUCKETS`). */
  readonly destinationBuckets: readonly string[];
  /** DynamoDB table of idempotency records (`IDEMPOTENCY_TABLE_NAME`). */
  readonly idempotencyTableName: string;
  /** How long a completed record replays before the next call runs again (`IDEMPOTENCY_TTL_SECONDS`). */
  readonly idempotencyTtlSeconds: number;
  /** Canned ACL of written previews (`PREVIEW_ACL`). */
  readonly previewAcl: PreviewAcl;
  /** `Cache-Control` of written previews (`CACHE_CONTROL`). */
  readonly cacheControl: string;
  /** Largest `width` a request may ask for (`MAX_WIDTH`). */
  readonly maxWidth: number;
  /** Largest source object read, in bytes (`MAX_SOURCE_BYTES`). */
  readonly maxSourceBytes: number;
  /** Largest source image, in pixels, decoded (`MAX_INPUT_PIXELS`). */
  readonly maxInputPixels: number;
  /** JPEG output quality (`JPEG_QUALITY`). */
  readonly jpegQuality: number;
  /** Whether sources narrower than `width` are enlarged (`ALLOW_ENLARGEMENT`). */
  readonly allowEnlargement: boolean;
  /** Powertools log level (`LOG_LEVEL`). */
  readonly logLevel: (typeof LOG_LEVELS)[number];
  /** Path-style S3 addressing, for local S3 emulators (`S3_FORCE_PATH_STYLE`). */
  readonly s3ForcePathStyle: boolean;
  /** Service name in every log line (`POWERTOOLS_SERVICE_NAME`). */
  readonly serviceName: string;
  /**
   * The bucket layout requests must stay inside: `SOURCE_PREFIX` (originals, read only), `PREVIEW_ROOT`
   * (previews, the only place written) and `PRESETS` or `PRESETS_FILE` (name → width).
   */
  readonly layout: PreviewLayout;
}

/** Options of {@link parseHandlerConfig}. */
export interface ParseHandlerConfigOptions {
  /** Reads `PRESETS_FILE`. Default: `fs.readFileSync`. */
  readFile?: (path: string) => Buffer;
}

/**
 * Parses an environment into a {@link HandlerConfig}.
 *
 * @throws {HandlerConfigError} naming every bad variable at once.
 */
export function parseHandlerConfig(
  env: Readonly<Record<string, string | undefined>>,
  options: ParseHandlerConfigOptions = {},
): HandlerConfig {
  const result = HandlerEnvironment.safeParse(env);
  const issues = result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`);
  const given = (name: string): boolean => env[name] !== undefined && env[name] !== '';
  let presets: PresetCatalogue | undefined;
  if (given('PRESETS') && given('PRESETS_FILE')) {
    issues.push('PRESETS_FILE: Expected either PRESETS or PRESETS_FILE but both are set');
  } else if (!given('PRESETS') && !given('PRESETS_FILE')) {
    issues.push(
      'PRESETS: Expected name=width pairs like "small=320,medium=720" (or a JSON file in PRESETS_FILE) ' +
        'but neither PRESETS nor PRESETS_FILE is set',
    );
  } else if (given('PRESETS_FILE')) {
    const file = readPresetFile(env.PRESETS_FILE!, options.readFile ?? ((path) => readFileSync(path)));
    if (file.ok) presets = file.presets;
    else issues.push(`PRESETS_FILE: ${file.message}`);
  }
  if (result.success) {
    const e = result.data;
    presets ??= e.PRESETS;
    const overlap = layoutOverlap(e.SOURCE_PREFIX, e.PREVIEW_ROOT);
    if (overlap !== undefined) {
      issues.push(`PREVIEW_ROOT: Expected a preview root apart from SOURCE_PREFIX (neither inside the other) but ${overlap}`);
    }
    const tooWide = [...(presets ?? [])].filter(([, preset]) => preset.width > e.MAX_WIDTH);
    if (tooWide.length > 0) {
      const which = given('PRESETS') ? 'PRESETS' : 'PRESETS_FILE';
      const names = tooWide.map(([name, preset]) => `${name}=${preset.width}`).join(', ');
      issues.push(`${which}: Expected preset widths of at most MAX_WIDTH (${e.MAX_WIDTH}) but received ${names}`);
    }
  }
  if (!result.success || issues.length > 0) throw new HandlerConfigError(issues);
  const e = result.data;
  return Object.freeze({
    sourceBuckets: e.SOURCE_BUCKETS,
    destinationBuckets: e.DESTINATION_BUCKETS,
    idempotencyTableName: e.IDEMPOTENCY_TABLE_NAME,
    idempotencyTtlSeconds: e.IDEMPOTENCY_TTL_SECONDS,
    previewAcl: e.PREVIEW_ACL,
    cacheControl: e.CACHE_CONTROL,
    maxWidth: e.MAX_WIDTH,
    maxSourceBytes: e.MAX_SOURCE_BYTES,
    maxInputPixels: e.MAX_INPUT_PIXELS,
    jpegQuality: e.JPEG_QUALITY,
    allowEnlargement: e.ALLOW_ENLARGEMENT,
    logLevel: e.LOG_LEVEL,
    s3ForcePathStyle: e.S3_FORCE_PATH_STYLE,
    serviceName: e.POWERTOOLS_SERVICE_NAME,
    layout: Object.freeze({
      sourcePrefix: e.SOURCE_PREFIX,
      previewRoot: e.PREVIEW_ROOT,
      presets: presets!,
    }),
  });
}

/** Reads and parses a `PRESETS_FILE`: a JSON object of preset name → width. */
function readPresetFile(path: string, readFile: (path: string) => Buffer): PresetsResult {
  let json: unknown;
  try {
    json = JSON.parse(readFile(path).toString('utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const file = JSON.stringify(path);
    return { ok: false, message: `Expected a readable JSON file like {"small": 320} but ${file} is not: ${reason}` };
  }
  const result = parsePresetObject(json);
  return result.ok ? result : { ok: false, message: `${result.message} in ${JSON.stringify(path)}` };
}

/** Reads the handler's configuration from `process.env`: the one place the handler touches it. */
export function loadHandlerConfig(): HandlerConfig {
  return parseHandlerConfig(process.env);
}
