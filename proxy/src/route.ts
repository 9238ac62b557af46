/**
 * Pure request mapping: method + raw request target → what to do. No I/O, no configuration reading.
 *
 * The path is inspected *before* any decoding or normalisation, segment by segment, so that an encoded
 * slash (`%2F`), backslash, NUL or dot segment (`%2e%2e`) can never smuggle a different key past the
 * checks. The query string is ignored.
 */
import {
  chooseFormat,
  layoutRequest,
  MAX_KEY_BYTES,
  originalKey,
  type OutputFormat,
  parseVariantSegment,
  type PreviewLayout,
  utf8ByteLength,
  variantSegment,
} from '@preview-lambda/contract';
import type { ResizeRequest } from '@preview-lambda/invoker';

/** Path of the health check. */
export const HEALTH_PATH = '/healthz';

/** The methods the proxy serves, as sent in `Allow`. */
export const ALLOWED_METHODS = 'GET, HEAD';

/** Longest request target (path and query) accepted, in characters. */
export const MAX_TARGET_LENGTH = 8192;

/**
 * The path of a raw request target (`req.url`): everything before the first `?`, still percent-encoded,
 * e.g. `/prew/small/a.jpg` for `/prew/small/a.jpg?x=1`. The proxy ignores the query string everywhere.
 */
export function targetPath(target: string): string {
  const queryAt = target.indexOf('?');
  return queryAt < 0 ? target : target.slice(0, queryAt);
}

/** What {@link routeRequest} needs to know. */
export interface RouteOptions {
  /** The function's layout: the preview root is the first path segment, the presets the second. */
  layout: PreviewLayout;
  /** Bucket holding the originals. */
  sourceBucket: string;
  /** Bucket the previews are written to. */
  destinationBucket: string;
  /**
   * Which output format a client that accepts several gets first (`FORMAT_ORDER`), e.g. `['avif', 'webp']`:
   * the order nginx is rendered with too (see `chooseFormat`).
   */
  formatOrder: readonly OutputFormat[];
}

/** A preview request that can be served. */
export interface PreviewRoute {
  readonly kind: 'preview';
  /** The preset name, e.g. `small`. */
  readonly preset: string;
  /** The preset's width. */
  readonly width: number;
  /** The decoded path after the preset, e.g. `some/file.jpg`. */
  readonly path: string;
  /**
   * The variant's format: named in the URL (`/prew/small@avif/…`), or chosen from `Accept` for
   * `/prew/small/…`; absent for the source-format preview.
   */
  readonly format?: OutputFormat;
  /**
   * Whether the answer depends on `Accept` (`Vary: Accept`): the URL names no format and its preset lists
   * some.
   */
  readonly vary: boolean;
  /** The preview's key in the destination bucket, e.g. `prew/small/some/file.jpg`, `prew/small@avif/…`. */
  readonly key: string;
  /** The payload for the preview function (the Go payload, plus `format` for a variant). */
  readonly request: ResizeRequest;
}

/** What to do with a request, discriminated by `kind`. */
export type Route =
  /** `GET`/`HEAD /healthz`. */
  | { readonly kind: 'health' }
  /** A valid preview path with a configured preset. */
  | PreviewRoute
  /**
   * A valid preview path whose preset is not configured, or whose variant (`small@gif`, `large@avif`
   * when `large` lists no AVIF) is not: 404 with the "not found" image.
   */
  | { readonly kind: 'unknown-preset'; readonly preset: string; readonly path: string }
  /** A malformed path under the preview root: 400. */
  | { readonly kind: 'invalid'; readonly reason: string }
  /** A method other than GET or HEAD on a known path: 405. */
  | { readonly kind: 'method-not-allowed'; readonly allow: typeof ALLOWED_METHODS }
  /** A path outside the preview root and the health check: plain 404. */
  | { readonly kind: 'not-found' };

/**
 * Maps a request to a {@link Route}.
 *
 * @param method - The request method, e.g. `GET`.
 * @param target - The raw request target as received (`req.url`), e.g. `/prew/small/some/file.jpg?x=1`.
 * @param accept - The request's `Accept` header, which picks the variant of a URL without one.
 */
export function routeRequest(method: string, target: string, options: RouteOptions, accept?: string): Route {
  const path = targetPath(target);
  const root = `/${options.layout.previewRoot}`;
  const isHealth = path === HEALTH_PATH;
  const isPreview = path === root || path.startsWith(`${root}/`);
  if (!isHealth && !isPreview) {
    return { kind: 'not-found' };
  }
  if (method !== 'GET' && method !== 'HEAD') {
    return { kind: 'method-not-allowed', allow: ALLOWED_METHODS };
  }
  if (isHealth) {
    return { kind: 'health' };
  }
  if (target.length > MAX_TARGET_LENGTH) {
    return invalid(`the request target is longer than ${MAX_TARGET_LENGTH} characters`);
  }
  return routePreview(path.slice(root.length + 1), options, accept);
}

/**
 * Parses the part of a preview path after `/<root>/`, e.g. `small/some/file.jpg` or
 * `small@avif/some/file.jpg`, into a {@link PreviewRoute}, or says why it cannot be served.
 */
function routePreview(rest: string, options: RouteOptions, accept: string | undefined): Route {
  if (rest === '') {
    return invalid('expected /<root>/<preset>/<path>');
  }
  const decoded: string[] = [];
  for (const segment of rest.split('/')) {
    const result = decodeSegment(segment);
    if (!result.ok) return invalid(result.reason);
    decoded.push(result.value);
  }
  const [segment, ...pathSegments] = decoded;
  if (segment === undefined || pathSegments.length === 0) {
    return invalid('expected /<root>/<preset>/<path>');
  }
  const path = pathSegments.join('/');
  const { layout } = options;
  const variant = parseVariantSegment(segment);
  const offered = variant === undefined ? undefined : layout.presets.get(variant.preset)?.formats;
  if (variant === undefined || offered === undefined) return { kind: 'unknown-preset', preset: segment, path };
  // The URL names a variant, or the one rule nginx follows too picks it from Accept.
  const explicit = variant.format !== undefined;
  const format = explicit ? variant.format : chooseFormat(accept, offered, options.formatOrder);
  const preset = variant.preset;
  const key = `${layout.previewRoot}/${variantSegment(preset, format)}/${path}`;
  for (const [what, value] of [
    ['source key', originalKey(layout, path)],
    ['preview key', key],
  ] as const) {
    const bytes = utf8ByteLength(value);
    if (bytes > MAX_KEY_BYTES) {
      return invalid(`the ${what} would have ${bytes} bytes, more than ${MAX_KEY_BYTES}`);
    }
  }
  const request = layoutRequest(layout, {
    preset,
    path,
    sourceBucket: options.sourceBucket,
    destinationBucket: options.destinationBucket,
    format,
  });
  if (request === undefined) {
    return { kind: 'unknown-preset', preset: segment, path };
  }
  const vary = !explicit && offered.length > 0;
  return { kind: 'preview', preset, width: request.width, path, ...(format === undefined ? {} : { format }), vary, key, request };
}

type Decoded = { ok: true; value: string } | { ok: false; reason: string };

// Printable ASCII only: raw spaces, controls and non-ASCII must arrive percent-encoded.
const RAW_SEGMENT = /^[\x21-\x7e]*$/;
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;
const ENCODED_SEPARATOR = /%(2f|5c)/i;
// C0 controls (NUL included), DEL and C1 controls.
// eslint-disable-next-line no-control-regex -- matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Checks and decodes one raw path segment. */
function decodeSegment(raw: string): Decoded {
  if (raw === '') return { ok: false, reason: 'empty path segment' };
  if (!RAW_SEGMENT.test(raw)) return { ok: false, reason: 'unencoded space, control or non-ASCII character' };
  if (raw.includes('\\')) return { ok: false, reason: 'backslash in the path' };
  if (raw.includes('#')) return { ok: false, reason: 'unencoded "#" in the path' };
  if (BAD_PERCENT.test(raw)) return { ok: false, reason: 'malformed percent-encoding' };
  if (ENCODED_SEPARATOR.test(raw)) return { ok: false, reason: 'percent-encoded "/" or "\\"' };
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    return { ok: false, reason: 'percent-encoding that is not UTF-8' };
  }
  if (value === '.' || value === '..') return { ok: false, reason: '"." or ".." path segment' };
  if (CONTROL.test(value)) return { ok: false, reason: 'control character (e.g. %00) in the path' };
  return { ok: true, value };
}

function invalid(reason: string): Route {
  return { kind: 'invalid', reason };
}
