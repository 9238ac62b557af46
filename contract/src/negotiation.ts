/**
 * Which variant a client gets at `/<root>/<preset>/<path>`: the one rule nginx (asking S3 for that
 * variant's key first) and the proxy (generating it on a miss) both follow, so that a miss generates
 * exactly the object nginx finds next time. nginx cannot run this code: `proxy/nginx/render.ts` renders
 * {@link acceptPattern}'s regular expressions and the catalogue into `map` blocks, and the proxy calls
 * {@link chooseFormat}; both read these definitions.
 *
 * The rule: the first format of the configured order that the preset lists **and** the `Accept` header
 * names explicitly (`image/avif`, `image/webp`) with a quality above 0 (RFC 9110 §12.5.1: `q=0` means
 * "not acceptable"). Wildcards (`image/*`, `*\/*`) do not count: a client that does not name a modern
 * format, such as an app's HTTP library or an older browser, gets the source format, as Cloudflare and
 * imgproxy decide it. The client's relative quality values are not compared: the server's order decides
 * between two formats it accepts. No format chosen means the source-format preview.
 *
 * @module
 */
import { OUTPUT_FORMAT_TYPES, type OutputFormat } from './formats.js';

/** Optional whitespace in header fields (RFC 9110 §5.6.3): spaces and tabs. */
const OWS = '[ \\t]*';

/** A parameter `q=0`, `q=0.`, `q=0.0`… up to three decimals (RFC 9110 §12.4.2), then its end. */
const ZERO_QUALITY = `${OWS}q${OWS}=${OWS}0(?:\\.0{0,3})?${OWS}(?:;|,|$)`;

/**
 * The regular expression, as source text, that an `Accept` header matches when it names `format`'s type
 * as one element of its list with no `q=0` parameter: `(?:^|,)` and `(?:,|$)` keep it to whole elements
 * (`image/avifx` or `x-image/avif` do not match). Meant to be compiled case-insensitively (media types
 * are case-insensitive): with the `i` flag in JavaScript, as `~*` in an nginx `map`; the syntax is common
 * to both (PCRE and ECMAScript).
 *
 * @example
 * ```ts
 * new RegExp(acceptPattern('avif'), 'i').test('image/avif,image/webp,image/*;q=0.8'); // true
 * new RegExp(acceptPattern('avif'), 'i').test('image/avif;q=0, image/webp');          // false
 * ```
 */
export function acceptPattern(format: OutputFormat): string {
  const type = OUTPUT_FORMAT_TYPES[format];
  return `(?:^|,)${OWS}${type}${OWS}(?:;(?!${ZERO_QUALITY})[^;,]*)*(?:,|$)`;
}

const COMPILED = new Map<OutputFormat, RegExp>();

/**
 * Whether the `Accept` header value `accept` accepts `format` by this module's rule. An absent or empty
 * header accepts none (the source format is what every client can show).
 */
export function acceptsFormat(accept: string | undefined, format: OutputFormat): boolean {
  if (accept === undefined || accept === '') return false;
  let pattern = COMPILED.get(format);
  if (pattern === undefined) {
    pattern = new RegExp(acceptPattern(format), 'i');
    COMPILED.set(format, pattern);
  }
  return pattern.test(accept);
}

/**
 * The variant a client gets: the first format of `order` that `offered` (the preset's formats) lists and
 * `accept` accepts, or `undefined` for the source-format preview.
 *
 * @param accept - The request's `Accept` header (several headers joined with `, `), or `undefined`.
 * @param offered - The formats the preset lists.
 * @param order - The configured preference, e.g. `DEFAULT_FORMAT_ORDER` (`avif`, then `webp`).
 *
 * @example
 * ```ts
 * chooseFormat('image/avif,image/webp,*\/*', ['webp', 'avif'], ['avif', 'webp']); // 'avif'
 * chooseFormat('image/webp,*\/*', ['avif'], ['avif', 'webp']);                    // undefined
 * ```
 */
export function chooseFormat(
  accept: string | undefined,
  offered: readonly OutputFormat[],
  order: readonly OutputFormat[],
): OutputFormat | undefined {
  return order.find((format) => offered.includes(format) && acceptsFormat(accept, format));
}
