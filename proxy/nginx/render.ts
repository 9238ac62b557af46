/**
 * The production nginx configuration, rendered from `preview.conf.template` next to this file: the one
 * renderer behind `npm run nginx:config` (`cli.ts`), the demo, the end-to-end tests and the proxy
 * benchmark. Pure apart from reading the template; options checked by one zod schema that names every
 * bad option.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  acceptPattern,
  BUCKET_NAME,
  DECODED_TYPES,
  DEFAULT_FORMAT_ORDER,
  DEFAULT_REQUEST_TIMEOUT_MS,
  formatIssues,
  isPreviewRoot,
  isSourcePrefix,
  layoutOverlap,
  nginxReadTimeoutFor,
  OUTPUT_FORMATS,
  type OutputFormat,
  type PresetCatalogue,
  parsePresetList,
} from '@preview-lambda/contract';
import * as z from 'zod';
import { NginxConfigError } from '../src/errors.js';

/** The template every configuration is rendered from. */
export const NGINX_TEMPLATE_PATH = fileURLToPath(new URL('preview.conf.template', import.meta.url));

/** The committed example rendered for real AWS (`npm run nginx:config -- --write-example`). */
export const NGINX_AWS_EXAMPLE_PATH = fileURLToPath(new URL('preview.aws.conf', import.meta.url));

/** Debian's (and Ubuntu's) CA bundle, used to verify S3's certificate over https. */
export const DEFAULT_CA_CERTIFICATES = '/etc/ssl/certs/ca-certificates.crt';

/** The proxy's `KEEP_ALIVE_TIMEOUT_MS` default, in ms (nginx must close idle connections before it). */
const PROXY_KEEP_ALIVE_TIMEOUT_MS = 65_000;

/**
 * The stored `Content-Type`s nginx serves inline, as images: the contract's `DECODED_TYPES`, the types the
 * function reads and writes (JPEG, PNG, WebP, GIF, AVIF). Any other stored type is served as a download; a
 * type the service learns to read is added there, and the rendered configuration follows.
 */
export const INLINE_IMAGE_TYPES: readonly string[] = DECODED_TYPES;

/** The placeholders of the template, each an upper-case name in dollar-braces. */
export const NGINX_TEMPLATE_VARIABLES = [
  'NGINX_LISTEN',
  'NGINX_ACCESS_LOG',
  'PREVIEW_ROOT',
  'SOURCE_PREFIX',
  'S3_SCHEME',
  'S3_CA_CERTIFICATES',
  'S3_KEEPALIVE_TIMEOUT',
  'ORIGINALS_S3_SERVER',
  'ORIGINALS_S3_HOST',
  'ORIGINALS_S3_TLS_NAME',
  'ORIGINALS_S3_PATH_PREFIX',
  'PREVIEWS_S3_SERVER',
  'PREVIEWS_S3_HOST',
  'PREVIEWS_S3_TLS_NAME',
  'PREVIEWS_S3_PATH_PREFIX',
  'PROXY_SERVER',
  'PROXY_READ_TIMEOUT',
  'PROXY_KEEPALIVE_TIMEOUT',
  'INLINE_IMAGE_TYPES',
  'ACCEPT_AVIF_PATTERN',
  'ACCEPT_WEBP_PATTERN',
  'AVIF_PRESETS',
  'WEBP_PRESETS',
  'VARIANT_PRESETS',
  'VARIANT_CANDIDATES',
  'SERVER_INCLUDES',
] as const;

/** One placeholder name. */
export type NginxTemplateVariable = (typeof NGINX_TEMPLATE_VARIABLES)[number];

/** Values for every placeholder. */
export type NginxTemplateValues = Readonly<Record<NginxTemplateVariable, string>>;

const HOST = /^[A-Za-z0-9.:[\]-]+$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;
const PATH = /^[^\s;{}'"$#]+$/;
const MILLISECONDS = 'Expected a positive integer of milliseconds';
const milliseconds = () => z.number({ error: MILLISECONDS }).int({ error: MILLISECONDS }).positive({ error: MILLISECONDS });

/** The catalogue in the `PRESETS` grammar (the proxy's), parsed by the contract. */
const Presets = z.string({ error: 'Expected a preset list (the PRESETS grammar)' }).transform((text, ctx): PresetCatalogue => {
  const result = parsePresetList(text);
  if (result.ok) return result.presets;
  ctx.addIssue({ code: 'custom', message: result.message });
  return z.NEVER;
});

const BUCKET = 'Expected an S3 bucket name';
const PREVIEW_ROOT = 'Expected one URL segment';
const SOURCE_PREFIX = 'Expected "/"-separated URL segments';
const FILE_PATH = 'Expected a plain file path';
const FILE_PATTERN = 'Expected a plain file path or pattern';
const REGION_NAME = 'Expected an AWS region';

const FORMAT_ORDER = `Expected a non-empty list of distinct output formats (${OUTPUT_FORMATS.join(', ')})`;

const HOST_NAME = 'Expected an address or host name';
const PORT = 'Expected a TCP port from 1 to 65535';

const HostPort = z.object(
  {
    host: z.string({ error: HOST_NAME }).regex(HOST, { error: HOST_NAME }),
    port: z.number({ error: PORT }).int({ error: PORT }).min(1, { error: PORT }).max(65_535, { error: PORT }),
  },
  { error: 'Expected {"host", "port"}' },
);

const S3Addressing = z.discriminatedUnion(
  'style',
  [
    /**
     * `ENDPOINT/BUCKET/KEY`: local emulators (`http://127.0.0.1:4568`), or a regional endpoint over https
     * (`https://s3.eu-west-1.amazonaws.com`) for bucket names with dots, which the wildcard certificate of
     * virtual-host names does not cover.
     */
    z.object({
      style: z.literal('path'),
      endpoint: z
        .url({ protocol: /^https?$/, error: 'Expected an http or https URL' })
        .refine((raw) => new URL(raw).pathname === '/' && !raw.includes('?') && new URL(raw).username === '', {
          error: 'Expected scheme://host[:port] only',
        }),
    }),
    /** `https://BUCKET.s3.REGION.amazonaws.com/KEY`: real S3. */
    z.object({
      style: z.literal('virtual-host'),
      region: z.string({ error: REGION_NAME }).regex(REGION, { error: REGION_NAME }),
      domain: z.string({ error: 'Expected a host name' }).regex(/^[a-z0-9.-]+$/, { error: 'Expected a host name' }).optional(),
    }),
  ],
  { error: 'Expected {"style": "path", "endpoint"} or {"style": "virtual-host", "region", "domain"?}' },
);

/** The options of {@link renderNginxConfig}; defaults are those of the proxy and the template. */
const NginxConfigOptionsSchema = z
  .object(
    {
      /** Where nginx listens, e.g. `{ host: '127.0.0.1', port: 8080 }`. */
      listen: HostPort,
      /** Where the preview proxy listens. */
      proxy: HostPort,
      /** How S3 is addressed. */
      s3: S3Addressing,
      /** Bucket of the originals, served at `/<sourcePrefix>/` (the proxy's `SOURCE_BUCKET`). */
      originalsBucket: z.string({ error: BUCKET }).regex(BUCKET_NAME, { error: BUCKET }),
      /** Bucket of the previews, served at `/<previewRoot>/` (the proxy's `DESTINATION_BUCKET`). */
      previewsBucket: z.string({ error: BUCKET }).regex(BUCKET_NAME, { error: BUCKET }),
      /** First URL and key segment of previews (the proxy's `PREVIEW_ROOT`). */
      previewRoot: z.string({ error: PREVIEW_ROOT }).refine(isPreviewRoot, { error: PREVIEW_ROOT }).default('prew'),
      /** URL and key prefix of originals (the proxy's `SOURCE_PREFIX`). */
      sourcePrefix: z.string({ error: SOURCE_PREFIX }).refine(isSourcePrefix, { error: SOURCE_PREFIX }).default('photo'),
      /** The proxy's `REQUEST_TIMEOUT_MS`. */
      proxyRequestTimeoutMs: milliseconds().default(DEFAULT_REQUEST_TIMEOUT_MS),
      /** `proxy_read_timeout` towards the proxy; must exceed `proxyRequestTimeoutMs`. Default: it + 5 s. */
      proxyReadTimeoutMs: milliseconds().optional(),
      /** The proxy's `KEEP_ALIVE_TIMEOUT_MS`. */
      proxyKeepAliveTimeoutMs: milliseconds().default(PROXY_KEEP_ALIVE_TIMEOUT_MS),
      /** How long nginx keeps idle connections to the proxy. Default 60 s, or the proxy's - 1 s when lower. */
      proxyUpstreamKeepaliveTimeoutMs: milliseconds().optional(),
      /** How long nginx keeps idle connections to S3 (Node-based emulators close them after 5 s). */
      s3KeepaliveTimeoutMs: milliseconds().default(4_000),
      /** CA bundle to verify S3's certificate over https. */
      caCertificates: z.string({ error: FILE_PATH }).regex(PATH, { error: FILE_PATH }).default(DEFAULT_CA_CERTIFICATES),
      /** Access log path (relative paths are under nginx's prefix). */
      accessLog: z.string({ error: FILE_PATH }).regex(PATH, { error: FILE_PATH }).default('logs/access.log'),
      /**
       * The proxy's `PRESETS`, e.g. `small=320;avif;webp,large=1440`: the variants nginx asks S3 for by the
       * client's `Accept`. Default: none (every client gets the source-format preview from S3).
       */
      presets: Presets.optional(),
      /** The proxy's `FORMAT_ORDER`: which variant a client accepting several gets. */
      formatOrder: z
        .array(z.enum(OUTPUT_FORMATS, { error: FORMAT_ORDER }), { error: FORMAT_ORDER })
        .min(1, { error: FORMAT_ORDER })
        .refine((order) => new Set(order).size === order.length, { error: FORMAT_ORDER })
        .default([...DEFAULT_FORMAT_ORDER]),
      /** Files of other locations of this server (`include`), relative to nginx's configuration directory. */
      serverIncludes: z.string({ error: FILE_PATTERN }).regex(PATH, { error: FILE_PATTERN }).default('preview.d/*.conf'),
    },
    { error: 'Expected an object' },
  )
  .transform((options, ctx) => {
    const readTimeout = options.proxyReadTimeoutMs ?? nginxReadTimeoutFor(options.proxyRequestTimeoutMs);
    const keepAlive = options.proxyKeepAliveTimeoutMs;
    const upstreamKeepalive = options.proxyUpstreamKeepaliveTimeoutMs ?? Math.min(60_000, keepAlive - 1_000);
    const problem = (path: string, input: unknown, message: string) => ctx.addIssue({ code: 'custom', path: [path], input, message });
    for (const bucket of ['originalsBucket', 'previewsBucket'] as const) {
      if (options.s3.style === 'virtual-host' && options[bucket].includes('.')) {
        problem(
          bucket,
          options[bucket],
          "Expected a bucket name without dots with virtual-host addressing (S3's wildcard certificate does not cover them: use path-style addressing with https://s3.<region>.amazonaws.com)",
        );
      }
    }
    const overlap = layoutOverlap(options.sourcePrefix, options.previewRoot);
    if (overlap !== undefined) problem('previewRoot', options.previewRoot, `Expected a preview root apart from sourcePrefix (${overlap})`);
    if (readTimeout <= options.proxyRequestTimeoutMs) {
      problem(
        'proxyReadTimeoutMs',
        readTimeout,
        `Expected more than the proxy's REQUEST_TIMEOUT_MS (${options.proxyRequestTimeoutMs}; the proxy must answer its own 504 before nginx gives up)`,
      );
    }
    if (upstreamKeepalive >= keepAlive) {
      problem(
        'proxyUpstreamKeepaliveTimeoutMs',
        upstreamKeepalive,
        `Expected less than the proxy's KEEP_ALIVE_TIMEOUT_MS (${keepAlive}; nginx must close idle connections first)`,
      );
    }
    return { ...options, readTimeout, upstreamKeepalive };
  });

/** Options of {@link renderNginxConfig}: where nginx, the proxy and S3 are, the layout and the timeouts. */
export type NginxConfigOptions = z.input<typeof NginxConfigOptionsSchema>;

/** How nginx addresses S3. */
export type S3Addressing = z.input<typeof S3Addressing>;

/** Where nginx listens, or where an upstream is. */
export type HostPort = z.input<typeof HostPort>;

function hostPort({ host, port }: HostPort): string {
  return `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}

/** One S3 upstream: `host:port`, `Host` header, TLS name, and `/BUCKET` with path-style addressing. */
interface S3Target {
  server: string;
  host: string;
  tlsName: string;
  pathPrefix: string;
}

function s3Targets(s3: z.output<typeof S3Addressing>, originals: string, previews: string) {
  if (s3.style === 'path') {
    const url = new URL(s3.endpoint);
    const scheme = url.protocol.slice(0, -1);
    const port = url.port === '' ? (scheme === 'https' ? 443 : 80) : Number(url.port);
    const target = (bucket: string): S3Target => ({
      server: `${url.hostname}:${port}`,
      host: url.host,
      tlsName: url.hostname.replace(/^\[|\]$/g, ''),
      pathPrefix: `/${bucket}`,
    });
    return { scheme, originals: target(originals), previews: target(previews) };
  }
  const domain = s3.domain ?? `s3.${s3.region}.amazonaws.com`;
  const target = (bucket: string): S3Target => {
    const host = `${bucket}.${domain}`;
    return { server: `${host}:443`, host, tlsName: host, pathPrefix: '' };
  };
  return { scheme: 'https', originals: target(originals), previews: target(previews) };
}

/**
 * Checks the options and computes the value of every placeholder.
 *
 * @throws {NginxConfigError} naming every bad option in the contract's `formatIssues` shape, e.g.
 *   `Expected a TCP port from 1 to 65535 for listen.port but received 0 (number)`.
 */
export function nginxTemplateValues(input: NginxConfigOptions): NginxTemplateValues {
  const parsed = NginxConfigOptionsSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    throw new NginxConfigError(formatIssues(parsed.error.issues, { rootName: 'options' }));
  }
  const options = parsed.data;
  const s3 = s3Targets(options.s3, options.originalsBucket, options.previewsBucket);
  const ms = (value: number): string => `${value}ms`;
  return Object.freeze({
    NGINX_LISTEN: hostPort(options.listen),
    NGINX_ACCESS_LOG: options.accessLog,
    PREVIEW_ROOT: options.previewRoot,
    SOURCE_PREFIX: options.sourcePrefix,
    S3_SCHEME: s3.scheme,
    S3_CA_CERTIFICATES: options.caCertificates,
    S3_KEEPALIVE_TIMEOUT: ms(options.s3KeepaliveTimeoutMs),
    ORIGINALS_S3_SERVER: s3.originals.server,
    ORIGINALS_S3_HOST: s3.originals.host,
    ORIGINALS_S3_TLS_NAME: s3.originals.tlsName,
    ORIGINALS_S3_PATH_PREFIX: s3.originals.pathPrefix,
    PREVIEWS_S3_SERVER: s3.previews.server,
    PREVIEWS_S3_HOST: s3.previews.host,
    PREVIEWS_S3_TLS_NAME: s3.previews.tlsName,
    PREVIEWS_S3_PATH_PREFIX: s3.previews.pathPrefix,
    PROXY_SERVER: hostPort(options.proxy),
    PROXY_READ_TIMEOUT: ms(options.readTimeout),
    PROXY_KEEPALIVE_TIMEOUT: ms(options.upstreamKeepalive),
    INLINE_IMAGE_TYPES: INLINE_IMAGE_TYPES.map((type) => type.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'),
    ...variantValues(options.presets, options.formatOrder),
    SERVER_INCLUDES: options.serverIncludes,
  });
}

/** A regular expression that matches nothing: the preset list of a format no preset offers. */
const NO_PRESET = '(?!)';

/**
 * The placeholders of the `Accept` negotiation: the contract's patterns, the presets offering each format
 * (an alternation of names, which are `[a-z0-9_-]+` and so need no escaping), the presets whose answer
 * depends on `Accept`, and the candidate variables in the configured order.
 */
function variantValues(presets: PresetCatalogue | undefined, order: readonly OutputFormat[]) {
  const offering = (format: OutputFormat): string[] =>
    [...(presets ?? [])].filter(([, preset]) => preset.formats.includes(format)).map(([name]) => name);
  const alternation = (names: readonly string[]): string => (names.length === 0 ? NO_PRESET : names.join('|'));
  const negotiated = [...new Set(order.flatMap(offering))];
  return {
    ACCEPT_AVIF_PATTERN: acceptPattern('avif'),
    ACCEPT_WEBP_PATTERN: acceptPattern('webp'),
    AVIF_PRESETS: alternation(offering('avif')),
    WEBP_PRESETS: alternation(offering('webp')),
    VARIANT_PRESETS: alternation(negotiated),
    VARIANT_CANDIDATES: order.map((format) => `$preview_variant_${format}`).join(''),
  } satisfies Partial<Record<NginxTemplateVariable, string>>;
}

const PLACEHOLDER = /\$\{([A-Z][A-Z0-9_]*)\}/g;

/**
 * Renders the http-context configuration (upstreams and the server) from the template.
 *
 * @param template - The template text. Default: {@link NGINX_TEMPLATE_PATH}'s.
 * @throws {NginxConfigError} the options are not usable, or the template names an unknown placeholder.
 */
export function renderNginxConfig(options: NginxConfigOptions, template?: string): string {
  const values: Readonly<Record<string, string>> = nginxTemplateValues(options);
  const text = template ?? readFileSync(NGINX_TEMPLATE_PATH, 'utf8');
  const unknown = new Set<string>();
  const rendered = text.replace(PLACEHOLDER, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) unknown.add(name);
    return value ?? whole;
  });
  if (unknown.size > 0) throw new NginxConfigError([`unknown template placeholders: ${[...unknown].join(', ')}`]);
  return rendered;
}
