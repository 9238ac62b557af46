/**
 * The proxy's configuration: the environment parsed once, at start-up, by one zod schema (the contract's
 * environment recipe, shared with the function). Nothing else in
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
  DEFAULT_FORMAT_ORDER,
  DEFAULT_INVOKE_TIMEOUT_MS,
  DEFAULT_PREVIEW_CACHE_CONTROL,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type Environment,
  envBoolean,
  envChoice,
  envInteger,
  environmentInput,
  envUrl,
  formatEnvironmentIssues,
  envList,
  layoutOf,
  layoutVariables,
  OUTPUT_FORMATS,
  presetsGiven,
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
  CACHE_CONTROL: DEFAULT_PREVIEW_CACHE_CONTROL,
  NOT_FOUND_CACHE_CONTROL: 'public, max-age=60',
  ERROR_CACHE_CONTROL: 'no-store',
  LOG_LEVEL: 'info',
  FORMAT_ORDER: DEFAULT_FORMAT_ORDER,
} as const);

/** Options of {@link parseProxyConfig}. */
export interface ParseProxyConfigOptions {
  /** Reads a file (`PRESETS_FILE`, `NOT_FOUND_IMAGE`, `ERROR_IMAGE`). Default: `fs.readFileSync`. */
  readFile?: (path: string) => Buffer;
}

/** The environment, as given to {@link parseProxyConfig}. */
export type ProxyEnvironment = Environment;

const FUNCTION_NAME = /^[A-Za-z0-9_.:$-]{1,170}$/;
const HEADER_VALUE = /^[\x20-\x7e]+$/;
const MAX_TIMEOUT_MS = 2_147_483_647;
const BUCKET =
  'Expected an S3 bucket name (3-63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit)';

const milliseconds = () => envInteger(1, MAX_TIMEOUT_MS);
const FORMATS = `comma-separated output formats (${OUTPUT_FORMATS.join(', ')}), each once, e.g. "avif,webp"`;

/** `FORMAT_ORDER`: the output formats in the order a client accepting several gets them, any case. */
function formatOrder() {
  const format = z
    .string()
    .transform((raw) => raw.toLowerCase())
    .pipe(z.enum(OUTPUT_FORMATS, { error: `Expected ${FORMATS}` }));
  return envList(format, FORMATS).refine(
    (formats) => new Set(formats).size === formats.length,
    { error: `Expected ${FORMATS}` },
  );
}
const headerValue = () => z.string().regex(HEADER_VALUE, 'Expected a header value of printable ASCII characters');

/** A placeholder image file (`NOT_FOUND_IMAGE`, `ERROR_IMAGE`), its type sniffed from its bytes. */
function imageFile(readFile: (path: string) => Buffer) {
  return z.string().transform((path, ctx): PlaceholderImage => {
    let bytes: Buffer;
    try {
      bytes = readFile(path);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      ctx.addIssue({ code: 'custom', message: `Expected a readable file but it is not: ${reason}` });
      return z.NEVER;
    }
    const image = placeholderFromBytes(bytes, path);
    if (image !== undefined) return image;
    ctx.addIssue({ code: 'custom', message: 'Expected a PNG, JPEG, GIF, WebP or SVG image but the file is none of them' });
    return z.NEVER;
  });
}

/**
 * The schema of the proxy's environment (the contract's recipe: empty means unset, zod's coercions), its
 * output the {@link ProxyConfig}. Variables are checked one by one, then together (the layout, and
 * `INVOKE_TIMEOUT_MS` below `REQUEST_TIMEOUT_MS`).
 */
function proxyEnvironment(readFile: (path: string) => Buffer) {
  const d = PROXY_DEFAULTS;
  return z
    .object({
      PORT: envInteger(0, 65_535).default(d.PORT),
      HOST: z.string().regex(/^\S+$/, 'Expected an address or host name to bind').default(d.HOST),
      PREVIEW_FUNCTION_NAME: z.string().regex(FUNCTION_NAME, 'Expected a Lambda function name or ARN').default(d.PREVIEW_FUNCTION_NAME),
      SOURCE_BUCKET: z.string({ error: BUCKET }).regex(BUCKET_NAME, BUCKET),
      DESTINATION_BUCKET: z.string().regex(BUCKET_NAME, BUCKET).optional(),
      ...layoutVariables((path) => readFile(path).toString('utf8')),
      FORMAT_ORDER: formatOrder().default([...d.FORMAT_ORDER]),
      INVOKE_TIMEOUT_MS: milliseconds().default(d.INVOKE_TIMEOUT_MS),
      REQUEST_TIMEOUT_MS: milliseconds().default(d.REQUEST_TIMEOUT_MS),
      KEEP_ALIVE_TIMEOUT_MS: milliseconds().default(d.KEEP_ALIVE_TIMEOUT_MS),
      MAX_IN_FLIGHT: envInteger(1).default(d.MAX_IN_FLIGHT),
      MAX_COALESCED: envInteger(0).default(d.MAX_COALESCED),
      NOT_FOUND_IMAGE: imageFile(readFile).optional(),
      ERROR_IMAGE: imageFile(readFile).optional(),
      S3_FORCE_PATH_STYLE: envBoolean().default(d.S3_FORCE_PATH_STYLE),
      CACHE_CONTROL: headerValue().default(d.CACHE_CONTROL),
      NOT_FOUND_CACHE_CONTROL: headerValue().default(d.NOT_FOUND_CACHE_CONTROL),
      ERROR_CACHE_CONTROL: headerValue().default(d.ERROR_CACHE_CONTROL),
      LOG_LEVEL: envChoice(LOG_LEVELS).default(d.LOG_LEVEL),
      METRICS_PORT: envInteger(0, 65_535).optional(),
      METRICS_HOST: z.string().regex(/^\S+$/, 'Expected an address or host name to bind').optional(),
      AWS_ENDPOINT_URL_LAMBDA: envUrl().optional(),
      AWS_ENDPOINT_URL_S3: envUrl().optional(),
      AWS_ENDPOINT_URL: envUrl().optional(),
    })
    .refine(...presetsGiven)
    .transform((e, ctx) => {
      if (e.INVOKE_TIMEOUT_MS >= e.REQUEST_TIMEOUT_MS) {
        ctx.addIssue({
          code: 'custom',
          path: ['INVOKE_TIMEOUT_MS'],
          message: `Expected less than REQUEST_TIMEOUT_MS (${e.REQUEST_TIMEOUT_MS}), so that a slow invocation is still answered 504, but received ${e.INVOKE_TIMEOUT_MS}`,
        });
      }
      if (e.METRICS_PORT !== undefined && e.METRICS_PORT !== 0 && e.METRICS_PORT === e.PORT) {
        const message = `Expected a port other than PORT (${e.PORT}); leave METRICS_PORT unset to serve /metrics on PORT`;
        ctx.addIssue({ code: 'custom', path: ['METRICS_PORT'], message });
      }
      if (e.METRICS_HOST !== undefined && e.METRICS_PORT === undefined) {
        const message = 'Expected METRICS_PORT too: without it /metrics is served on HOST:PORT';
        ctx.addIssue({ code: 'custom', path: ['METRICS_HOST'], message });
      }
      return {
        /** TCP port to listen on; `0` picks a free one (`PORT`). */
        port: e.PORT,
        /** Address to bind (`HOST`). */
        host: e.HOST,
        /** Name, partial ARN or ARN of the preview function (`PREVIEW_FUNCTION_NAME`). */
        functionName: e.PREVIEW_FUNCTION_NAME,
        /** Bucket holding the originals (`SOURCE_BUCKET`). */
        sourceBucket: e.SOURCE_BUCKET,
        /** Bucket the previews are written to and stored previews read from (`DESTINATION_BUCKET`). */
        destinationBucket: e.DESTINATION_BUCKET ?? e.SOURCE_BUCKET,
        /**
         * The function's layout, which the proxy builds its requests from (`SOURCE_PREFIX`, `PREVIEW_ROOT`,
         * `PRESETS` or `PRESETS_FILE`). The function must be configured alike.
         */
        layout: layoutOf(e, ctx),
        /**
         * Which variant a client accepting several formats gets first (`FORMAT_ORDER`); a format left out
         * is never chosen from `Accept` (its URL `/<root>/<preset>@<format>/…` still serves it). nginx must
         * be rendered with the same order.
         */
        formatOrder: Object.freeze(e.FORMAT_ORDER),
        /** Deadline of one invocation in ms, waits on in-progress duplicates included (`INVOKE_TIMEOUT_MS`). */
        invokeTimeoutMs: e.INVOKE_TIMEOUT_MS,
        /** Deadline of one request in ms, from arrival to the last byte sent (`REQUEST_TIMEOUT_MS`). */
        requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
        /** How long an idle keep-alive connection stays open, in ms (`KEEP_ALIVE_TIMEOUT_MS`). */
        keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS,
        /** Most distinct previews handled at once; beyond it 503 (`MAX_IN_FLIGHT`). */
        maxInFlight: e.MAX_IN_FLIGHT,
        /** Most requests waiting on a preview another request is handling; beyond it 503 (`MAX_COALESCED`). */
        maxCoalesced: e.MAX_COALESCED,
        /** Body of 404 answers for previews (`NOT_FOUND_IMAGE`). */
        notFoundImage: e.NOT_FOUND_IMAGE ?? BUILT_IN_NOT_FOUND_IMAGE,
        /** Body of 5xx answers for previews (`ERROR_IMAGE`). */
        errorImage: e.ERROR_IMAGE ?? BUILT_IN_ERROR_IMAGE,
        /** Path-style S3 addressing, for local S3 emulators (`S3_FORCE_PATH_STYLE`). */
        s3ForcePathStyle: e.S3_FORCE_PATH_STYLE,
        /** `Cache-Control` of previews (`CACHE_CONTROL`). */
        cacheControl: e.CACHE_CONTROL,
        /** `Cache-Control` of 404 answers (`NOT_FOUND_CACHE_CONTROL`). */
        notFoundCacheControl: e.NOT_FOUND_CACHE_CONTROL,
        /** `Cache-Control` of 5xx answers (`ERROR_CACHE_CONTROL`). */
        errorCacheControl: e.ERROR_CACHE_CONTROL,
        /** Log level (`LOG_LEVEL`). */
        logLevel: e.LOG_LEVEL,
        /**
         * Where `GET /metrics` (Prometheus) is served: on `HOST:PORT` when `port` is undefined (`METRICS_PORT`
         * unset), else on `host:port` of its own (`METRICS_HOST`, default `HOST`; `0`: a free port).
         */
        metrics: Object.freeze({ port: e.METRICS_PORT, host: e.METRICS_HOST ?? e.HOST }),
        /** The endpoint overrides the AWS SDK will use, for the start-up log only (the SDK reads them itself). */
        endpoints: Object.freeze({
          ...(e.AWS_ENDPOINT_URL_LAMBDA === undefined ? {} : { lambda: e.AWS_ENDPOINT_URL_LAMBDA }),
          ...(e.AWS_ENDPOINT_URL_S3 === undefined ? {} : { s3: e.AWS_ENDPOINT_URL_S3 }),
          ...(e.AWS_ENDPOINT_URL === undefined ? {} : { default: e.AWS_ENDPOINT_URL }),
        }),
      };
    });
}

/** The proxy's configuration, as the environment schema outputs it (frozen). */
export type ProxyConfig = Readonly<z.output<ReturnType<typeof proxyEnvironment>>>;

/** Names of every variable the proxy reads (the AWS SDK reads its own too). */
export const PROXY_VARIABLES: readonly string[] = Object.freeze(
  Object.keys(proxyEnvironment(() => Buffer.alloc(0)).in.shape),
);

/**
 * Parses an environment into a frozen {@link ProxyConfig}. Pure apart from `options.readFile`, which
 * reads `PRESETS_FILE`, `NOT_FOUND_IMAGE` and `ERROR_IMAGE`.
 *
 * @throws {ProxyConfigError} naming every bad variable at once, e.g.
 *   `PRESETS: Expected name=width pairs separated by commas, … but received "small=abc"`.
 */
export function parseProxyConfig(env: ProxyEnvironment, options: ParseProxyConfigOptions = {}): ProxyConfig {
  const schema = proxyEnvironment(options.readFile ?? ((path) => readFileSync(path)));
  const input = environmentInput(PROXY_VARIABLES, env);
  const result = schema.safeParse(input);
  if (!result.success) throw new ProxyConfigError(formatEnvironmentIssues(result.error.issues, input));
  return Object.freeze(result.data);
}

/** Reads the proxy's configuration from `process.env`: the one place the proxy touches it. */
export function loadProxyConfig(options: ParseProxyConfigOptions = {}): ProxyConfig {
  return parseProxyConfig(process.env, options);
}
