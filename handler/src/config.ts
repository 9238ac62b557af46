/**
 * The handler's configuration: the whole environment parsed once, at cold start, by one zod schema
 * (the contract's environment recipe: empty means unset, zod's coercions, every bad variable named in one
 * message). Nothing else in the handler reads `process.env` (the AWS SDK and Powertools read their own
 * standard variables, such as `AWS_REGION`, `AWS_ENDPOINT_URL_S3` and `POWERTOOLS_SERVICE_NAME`).
 */
import { readFileSync } from 'node:fs';
import {
  BUCKET_NAME,
  DEFAULT_PREVIEW_CACHE_CONTROL,
  type Environment,
  envBoolean,
  envChoice,
  envInteger,
  envList,
  environmentInput,
  formatEnvironmentIssues,
  isPresetName,
  layoutOf,
  layoutVariables,
  MAX_PRESET_WIDTH,
  type PresetCatalogue,
  presetsGiven,
  type ReadTextFile,
} from '@preview-lambda/contract';
import * as z from 'zod';
import { HandlerConfigError } from './errors.js';
import { selectPresets } from './preset-selection.js';
import {
  DEFAULT_AVIF_QUALITY,
  DEFAULT_JPEG_QUALITY,
  DEFAULT_MAX_ANIMATION_FRAMES,
  DEFAULT_MAX_ANIMATION_PIXELS,
  DEFAULT_MAX_INPUT_PIXELS,
  DEFAULT_WEBP_QUALITY,
  DEFAULT_WITHOUT_ENLARGEMENT,
} from './image/defaults.js';
import { DEFAULT_METRICS_NAMESPACE } from './metrics.js';

/** Log levels accepted by `LOG_LEVEL` (Powertools'). */
const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT', 'CRITICAL'] as const;

const BUCKETS = 'comma-separated S3 bucket names (3-63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit)';
const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;
/** CloudWatch namespace characters (PutMetricData `Namespace`); `AWS/` is reserved for AWS services. */
const METRICS_NAMESPACE = /^(?!AWS\/)[A-Za-z0-9._/#:-]{1,255}$/;
const EAGER = 'comma-separated preset names, or "*" for every preset';

/**
 * The schema of the handler's environment, reading `PRESETS_FILE` with `readFile`. Its output is the
 * {@link HandlerConfig}: variables checked one by one, then together (the layout must not overlap, every
 * preset must fit `MAX_WIDTH`).
 */
function handlerEnvironment(readFile: ReadTextFile) {
  return z
    .object({
      SOURCE_BUCKETS: envList(z.string().regex(BUCKET_NAME, `Expected ${BUCKETS}`), BUCKETS),
      DESTINATION_BUCKETS: envList(z.string().regex(BUCKET_NAME, `Expected ${BUCKETS}`), BUCKETS),
      IDEMPOTENCY_TABLE_NAME: z.string({ error: 'Expected a DynamoDB table name' }).regex(TABLE_NAME, {
        error: 'Expected a DynamoDB table name (3-255 letters, digits, "_", "." or "-")',
      }),
      IDEMPOTENCY_TTL_SECONDS: envInteger(1).default(86_400),
      PREVIEW_ACL: envChoice(['public-read', 'none']).default('public-read'),
      CACHE_CONTROL: z.string().default(DEFAULT_PREVIEW_CACHE_CONTROL),
      MAX_WIDTH: envInteger(1, MAX_PRESET_WIDTH).default(4096),
      MAX_SOURCE_BYTES: envInteger(1).default(50 * 1024 * 1024),
      MAX_INPUT_PIXELS: envInteger(1).default(DEFAULT_MAX_INPUT_PIXELS),
      JPEG_QUALITY: envInteger(1, 100).default(DEFAULT_JPEG_QUALITY),
      WEBP_QUALITY: envInteger(1, 100).default(DEFAULT_WEBP_QUALITY),
      AVIF_QUALITY: envInteger(1, 100).default(DEFAULT_AVIF_QUALITY),
      MAX_ANIMATION_FRAMES: envInteger(1).default(DEFAULT_MAX_ANIMATION_FRAMES),
      MAX_ANIMATION_PIXELS: envInteger(1).default(DEFAULT_MAX_ANIMATION_PIXELS),
      ALLOW_ENLARGEMENT: envBoolean().default(!DEFAULT_WITHOUT_ENLARGEMENT),
      LOG_LEVEL: envChoice(LOG_LEVELS).default('INFO'),
      S3_FORCE_PATH_STYLE: envBoolean().default(false),
      POWERTOOLS_SERVICE_NAME: z.string().default('preview-lambda'),
      POWERTOOLS_METRICS_NAMESPACE: z
        .string()
        .regex(METRICS_NAMESPACE, 'Expected a CloudWatch namespace (1-255 of A-Z, a-z, 0-9, ".", "_", "-", "/", "#", ":"; not starting with "AWS/")')
        .default(DEFAULT_METRICS_NAMESPACE),
      POWERTOOLS_TRACE_ENABLED: envBoolean().default(false),
      EAGER_PRESETS: envList(z.string().refine((name) => name === '*' || isPresetName(name), `Expected ${EAGER}`), EAGER).optional(),
      ...layoutVariables(readFile),
    })
    .refine(...presetsGiven)
    .transform((e, ctx) => {
      const layout = layoutOf(e, ctx);
      const presetsName = e.PRESETS === undefined ? 'PRESETS_FILE' : 'PRESETS';
      const tooWide = [...layout.presets].filter(([, preset]) => preset.width > e.MAX_WIDTH);
      if (tooWide.length > 0) {
        const names = tooWide.map(([name, preset]) => `${name}=${preset.width}`).join(', ');
        const message = `Expected preset widths of at most MAX_WIDTH (${e.MAX_WIDTH}) but received ${names}`;
        ctx.addIssue({ code: 'custom', path: [presetsName], message });
      }
      const eagerPresets = eagerPresetsOf(e.EAGER_PRESETS, layout.presets, ctx);
      const homeless = e.SOURCE_BUCKETS.filter((bucket) => !e.DESTINATION_BUCKETS.includes(bucket));
      if (eagerPresets.length > 0 && e.DESTINATION_BUCKETS.length > 1 && homeless.length > 0) {
        const message =
          `Expected every source bucket to be a destination bucket, or one destination bucket, so that eager previews ` +
          `have one place to go, but ${homeless.join(', ')} is not among DESTINATION_BUCKETS ${e.DESTINATION_BUCKETS.join(', ')}`;
        ctx.addIssue({ code: 'custom', path: ['EAGER_PRESETS'], message });
      }
      return {
        /** Buckets originals may be read from (`SOURCE_BUCKETS`). */
        sourceBuckets: Object.freeze(e.SOURCE_BUCKETS),
        /** Buckets previews may be written to (`DESTINATION_BUCKETS`). */
        destinationBuckets: Object.freeze(e.DESTINATION_BUCKETS),
        /** DynamoDB table of idempotency records (`IDEMPOTENCY_TABLE_NAME`). */
        idempotencyTableName: e.IDEMPOTENCY_TABLE_NAME,
        /** How long a completed record replays, in seconds (`IDEMPOTENCY_TTL_SECONDS`). */
        idempotencyTtlSeconds: e.IDEMPOTENCY_TTL_SECONDS,
        /** Canned ACL of written previews; `none` sends no ACL (`PREVIEW_ACL`). */
        previewAcl: e.PREVIEW_ACL,
        /** `Cache-Control` of written previews (`CACHE_CONTROL`). */
        cacheControl: e.CACHE_CONTROL,
        /** Largest `width` a request may ask for, in px (`MAX_WIDTH`). */
        maxWidth: e.MAX_WIDTH,
        /** Largest original read, in bytes (`MAX_SOURCE_BYTES`). */
        maxSourceBytes: e.MAX_SOURCE_BYTES,
        /** Largest original decoded, in pixels (`MAX_INPUT_PIXELS`). */
        maxInputPixels: e.MAX_INPUT_PIXELS,
        /** JPEG output quality, 1-100 (`JPEG_QUALITY`). */
        jpegQuality: e.JPEG_QUALITY,
        /** Encoder settings of variants and the animation limits, as `resizeImage` takes them. */
        variants: Object.freeze({
          /** WebP quality of WebP variants over 1 MP, 1-100 (`WEBP_QUALITY`); 2 lower up to 1 MP. */
          webpQuality: e.WEBP_QUALITY,
          /** AVIF quality of AVIF variants, 1-100 (`AVIF_QUALITY`). */
          avifQuality: e.AVIF_QUALITY,
          /** Most frames an animated preview keeps; beyond, its first frame (`MAX_ANIMATION_FRAMES`). */
          maxAnimationFrames: e.MAX_ANIMATION_FRAMES,
          /** Most pixels of all frames of an animated preview; beyond, its first frame (`MAX_ANIMATION_PIXELS`). */
          maxAnimationPixels: e.MAX_ANIMATION_PIXELS,
        }),
        /** Whether originals narrower than `width` are enlarged (`ALLOW_ENLARGEMENT`). */
        allowEnlargement: e.ALLOW_ENLARGEMENT,
        /** Powertools log level (`LOG_LEVEL`). */
        logLevel: e.LOG_LEVEL,
        /** Path-style S3 addressing, for local S3 emulators (`S3_FORCE_PATH_STYLE`). */
        s3ForcePathStyle: e.S3_FORCE_PATH_STYLE,
        /** Service name in every log line and the `service` metric dimension (`POWERTOOLS_SERVICE_NAME`). */
        serviceName: e.POWERTOOLS_SERVICE_NAME,
        /** CloudWatch namespace of the function's EMF metrics (`POWERTOOLS_METRICS_NAMESPACE`). */
        metricsNamespace: e.POWERTOOLS_METRICS_NAMESPACE,
        /** X-Ray tracing with Powertools Tracer, when the function runs in Lambda (`POWERTOOLS_TRACE_ENABLED`). */
        tracing: e.POWERTOOLS_TRACE_ENABLED,
        /**
         * Presets generated as soon as an original is created or replaced (`EAGER_PRESETS`; `*` = all), in
         * catalogue order; empty (the default): previews are made on the first request only.
         */
        eagerPresets,
        /**
         * The bucket layout requests must stay inside: `SOURCE_PREFIX` (originals, read only),
         * `PREVIEW_ROOT` (previews, the only place written), `PRESETS` or `PRESETS_FILE` (name → width and
         * the output formats it offers).
         */
        layout,
      };
    });
}

/**
 * The presets `EAGER_PRESETS` names (`*`: all), in catalogue order ({@link selectPresets}); an issue on
 * the variable for a name that is not a preset.
 */
function eagerPresetsOf(names: readonly string[] | undefined, presets: PresetCatalogue, ctx: z.RefinementCtx): readonly string[] {
  if (names === undefined) return Object.freeze([]);
  const selection = selectPresets(names, presets.keys());
  if (selection.unknown.length > 0 && presets.size > 0) {
    const known = [...presets.keys()].map((name) => JSON.stringify(name)).join(', ');
    const message = `Expected names of configured presets (${known}) or "*" but received ${selection.unknown.map((name) => JSON.stringify(name)).join(', ')}`;
    ctx.addIssue({ code: 'custom', path: ['EAGER_PRESETS'], message });
  }
  return Object.freeze(selection.presets);
}

/** The handler's configuration, as the environment schema outputs it (frozen). */
export type HandlerConfig = Readonly<z.output<ReturnType<typeof handlerEnvironment>>>;

/** Canned ACL written with each preview; `none` for buckets with ACLs disabled. */
export type PreviewAcl = HandlerConfig['previewAcl'];

/** Names of every variable the handler reads (the AWS SDK and Powertools read their own too). */
export const HANDLER_VARIABLES: readonly string[] = Object.freeze(Object.keys(handlerEnvironment(() => '').in.shape));

/** Options of {@link parseHandlerConfig}. */
export interface ParseHandlerConfigOptions {
  /** Reads `PRESETS_FILE` as text. Default: `fs.readFileSync(path, 'utf8')`. */
  readFile?: ReadTextFile;
}

/**
 * Parses an environment into a {@link HandlerConfig}.
 *
 * @throws {HandlerConfigError} naming every bad variable at once, e.g.
 *   `MAX_WIDTH: Expected an integer from 1 to 16383 (received "wide")`.
 */
export function parseHandlerConfig(env: Environment, options: ParseHandlerConfigOptions = {}): HandlerConfig {
  const schema = handlerEnvironment(options.readFile ?? ((path) => readFileSync(path, 'utf8')));
  const input = environmentInput(HANDLER_VARIABLES, env);
  const result = schema.safeParse(input);
  if (!result.success) throw new HandlerConfigError(formatEnvironmentIssues(result.error.issues, input));
  return Object.freeze(result.data);
}

/** Reads the handler's configuration from `process.env`: the one place the handler touches it. */
export function loadHandlerConfig(): HandlerConfig {
  return parseHandlerConfig(process.env);
}
