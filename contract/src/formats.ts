/**
 * Output formats: the modern formats a preset may offer beyond the source format, and how a variant is
 * named in keys and URLs. One vocabulary for the preset grammar, the request's `format` field, the
 * function's encoder, the proxy's and nginx's choice by `Accept`, and the keys purging lists.
 *
 * A preview without a format is the **source-format** preview (what the Go function made: JPEG for a
 * JPEG, PNG for a PNG…), stored at `<root>/<preset>/<path>`. A **variant** in an output format is stored
 * next to it, at `<root>/<preset>@<format>/<path>`: still `root_folder/preset_name/<rest>` with one more
 * character set in the second segment, so the key rule, IAM (`<root>/*`) and listing by prefix stay as
 * they are, and no preset name (`[a-z0-9_-]+`) can be mistaken for a variant.
 *
 * @module
 */

/** The output formats a preset may list, e.g. `small=320;avif;webp`. */
export const OUTPUT_FORMATS = ['avif', 'webp'] as const;

/** One of {@link OUTPUT_FORMATS}. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The MIME type each output format is written as. */
export const OUTPUT_FORMAT_TYPES = {
  avif: 'image/avif',
  webp: 'image/webp',
} as const satisfies Readonly<Record<OutputFormat, string>>;

/**
 * The order in which a client's accepted formats are preferred when it accepts more than one (the
 * proxy's `FORMAT_ORDER`, nginx's `formatOrder`): AVIF first (the smallest at the same look), then WebP.
 */
export const DEFAULT_FORMAT_ORDER: readonly OutputFormat[] = Object.freeze(['avif', 'webp']);

/** The character between a preset's name and a variant's format in a key or URL segment: `small@avif`. */
export const VARIANT_SEPARATOR = '@';

/** Whether `value` is one of {@link OUTPUT_FORMATS}. */
export function isOutputFormat(value: unknown): value is OutputFormat {
  return typeof value === 'string' && (OUTPUT_FORMATS as readonly string[]).includes(value);
}

/**
 * The second segment of a preview's key and URL: the preset's name for the source-format preview,
 * `<preset>@<format>` for a variant.
 *
 * @example
 * ```ts
 * variantSegment('small');         // 'small'
 * variantSegment('small', 'avif'); // 'small@avif'
 * ```
 */
export function variantSegment(preset: string, format?: OutputFormat): string {
  return format === undefined ? preset : `${preset}${VARIANT_SEPARATOR}${format}`;
}

/** A key or URL segment read back by {@link parseVariantSegment}. */
export interface VariantSegment {
  /** The preset's name (not checked against any catalogue). */
  readonly preset: string;
  /** The variant's format; absent for the source-format preview. */
  readonly format?: OutputFormat;
}

/**
 * Reads a segment written by {@link variantSegment}: `small` is the source-format preview of `small`,
 * `small@avif` its AVIF variant.
 *
 * @returns `undefined` when the segment has a separator but not exactly one known format after it
 * (`small@`, `small@gif`, `small@avif@webp`).
 */
export function parseVariantSegment(segment: string): VariantSegment | undefined {
  const at = segment.indexOf(VARIANT_SEPARATOR);
  if (at < 0) return { preset: segment };
  const format = segment.slice(at + 1);
  return isOutputFormat(format) ? { preset: segment.slice(0, at), format } : undefined;
}
