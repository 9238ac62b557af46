/**
 * The bucket layout the preview function owns: which prefix holds the originals (read only), which root
 * holds the previews (the only place it writes), and the preset catalogue (name → width and the formats
 * it offers). The proxy builds requests from it and the function refuses any request outside it, so no
 * caller can make the function read a preview as a source, write into the originals, or make up a width
 * or a variant.
 *
 * One originals prefix maps to one preview root: `photo/a/b.jpg` at preset `small` is always
 * `prew/small/a/b.jpg`, and its variants `prew/small@avif/a/b.jpg`… Two prefixes sharing a root would map
 * `photo/a.jpg` and `images/a.jpg` to the same preview, so a deployment has exactly one of each, and every
 * original has exactly one preview per preset and format (what purging and backfilling rely on).
 *
 * @module
 */
import { type OutputFormat, variantSegment } from './formats.js';
import { MAX_KEY_BYTES, SEGMENT_PATH } from './rules.js';
import type { PresetCatalogue } from './presets.js';
import type { ResizeErrorCode, ResizeRequest } from './schemas.js';
import { utf8ByteLength } from './utf8.js';

/**
 * One segment of the originals prefix or of the preview root: RFC 3986 unreserved characters only
 * (`A-Z a-z 0-9 . _ ~ -`), not `.` or `..`, so the same text is a URL path segment, an S3 key segment and
 * an IAM resource fragment without any escaping.
 */
export const LAYOUT_SEGMENT = /^(?!\.{1,2}$)[A-Za-z0-9._~-]+$/;

/** What {@link LAYOUT_SEGMENT} allows, for messages. */
export const LAYOUT_SEGMENT_CHARACTERS = 'A-Z, a-z, 0-9, ".", "_", "~" or "-"';

/** The function's layout, parsed once at start-up by each deployable's configuration. */
export interface PreviewLayout {
  /** Key prefix of the originals, `/`-separated {@link LAYOUT_SEGMENT}s without `/` around them, e.g. `photo`. */
  readonly sourcePrefix: string;
  /** First key segment of every preview, one {@link LAYOUT_SEGMENT}, e.g. `prew`. */
  readonly previewRoot: string;
  /** Preset name → preset. */
  readonly presets: PresetCatalogue;
}

/** Whether `value` is a valid originals prefix: one or more {@link LAYOUT_SEGMENT}s joined by `/`. */
export function isSourcePrefix(value: string): boolean {
  return value.split('/').every((segment) => LAYOUT_SEGMENT.test(segment));
}

/** Whether `value` is a valid preview root: exactly one {@link LAYOUT_SEGMENT}. */
export function isPreviewRoot(value: string): boolean {
  return LAYOUT_SEGMENT.test(value);
}

/**
 * Why a prefix and a root cannot form a layout, or `undefined` when they can: the preview root must not
 * lie inside the originals prefix nor the originals prefix inside the preview root (`photo` and `photo`,
 * `prew/photos` and `prew`), or previews could overwrite originals and originals be read as previews.
 */
export function layoutOverlap(sourcePrefix: string, previewRoot: string): string | undefined {
  const [first] = sourcePrefix.split('/');
  if (first !== previewRoot) return undefined;
  return sourcePrefix === previewRoot
    ? `the preview root ${quote(previewRoot)} is the originals prefix ${quote(sourcePrefix)}`
    : `the originals prefix ${quote(sourcePrefix)} lies inside the preview root ${quote(previewRoot)}`;
}

/** The codes of the requests the layout refuses. */
export type LayoutRefusalCode = Extract<
  ResizeErrorCode,
  'LAYOUT_NOT_ALLOWED' | 'UNKNOWN_PRESET' | 'PRESET_WIDTH_MISMATCH' | 'FORMAT_NOT_IN_PRESET'
>;

/** Why a request is outside the layout: the code the function answers and a message naming the field. */
export interface LayoutRefusal {
  readonly code: LayoutRefusalCode;
  readonly message: string;
}

/**
 * Checks a contract-valid request against the layout, in this order: `rewrite_part` must be the originals
 * prefix and `root_folder` the preview root (`LAYOUT_NOT_ALLOWED`), `preset_name` a configured preset
 * (`UNKNOWN_PRESET`), `width` that preset's width (`PRESET_WIDTH_MISMATCH`), and `format`, when given, one
 * of the formats that preset lists (`FORMAT_NOT_IN_PRESET`).
 *
 * @returns the first refusal, or `undefined` when the request is inside the layout.
 */
export function checkRequestLayout(
  request: Pick<ResizeRequest, 'rewrite_part' | 'root_folder' | 'preset_name' | 'width' | 'format'>,
  layout: PreviewLayout,
): LayoutRefusal | undefined {
  if (request.rewrite_part !== layout.sourcePrefix) {
    return refuse('LAYOUT_NOT_ALLOWED', `${quote(layout.sourcePrefix)} (the originals prefix)`, 'rewrite_part', request.rewrite_part);
  }
  if (request.root_folder !== layout.previewRoot) {
    return refuse('LAYOUT_NOT_ALLOWED', `${quote(layout.previewRoot)} (the preview root)`, 'root_folder', request.root_folder);
  }
  const preset = layout.presets.get(request.preset_name);
  if (preset === undefined) {
    const names = [...layout.presets.keys()].map(quote).join(', ');
    return refuse('UNKNOWN_PRESET', `one of the presets ${names}`, 'preset_name', request.preset_name);
  }
  if (request.width !== preset.width) {
    return refuse(
      'PRESET_WIDTH_MISMATCH',
      `${preset.width} (the width of preset ${quote(request.preset_name)})`,
      'width',
      request.width,
    );
  }
  if (request.format !== undefined && !preset.formats.includes(request.format)) {
    const offered =
      preset.formats.length === 0
        ? `no format (preset ${quote(request.preset_name)} lists none)`
        : `one of ${preset.formats.map(quote).join(', ')} (the formats of preset ${quote(request.preset_name)})`;
    return refuse('FORMAT_NOT_IN_PRESET', offered, 'format', request.format);
  }
  return undefined;
}

/** What a preview URL names, for {@link layoutRequest}. */
export interface PreviewTarget {
  /** The preset's name, e.g. `small`. */
  readonly preset: string;
  /** The original's path below the originals prefix, e.g. `some/file.jpg`. */
  readonly path: string;
  /** Bucket holding the originals. */
  readonly sourceBucket: string;
  /** Bucket the previews are written to. */
  readonly destinationBucket: string;
  /** The variant's output format; absent for the source-format preview. */
  readonly format?: OutputFormat | undefined;
}

/**
 * The request the function accepts for `target`: `src_key` = `<sourcePrefix>/<path>`, `rewrite_part` =
 * the prefix, `root_folder` = the root, `width` = the preset's, and `format` when the target names one, so
 * its preview key is `<previewRoot>/<preset>/<path>` (`<previewRoot>/<preset>@<format>/<path>` for a
 * variant). Without a format the request is exactly the Go payload. Key rules (segments, 1024 bytes)
 * are the contract parser's to check.
 *
 * @returns `undefined` when `target.preset` is not in the catalogue, or it does not list `target.format`.
 */
export function layoutRequest(layout: PreviewLayout, target: PreviewTarget): ResizeRequest | undefined {
  const preset = layout.presets.get(target.preset);
  if (preset === undefined) return undefined;
  if (target.format !== undefined && !preset.formats.includes(target.format)) return undefined;
  return {
    src_key: originalKey(layout, target.path),
    src_bucket: target.sourceBucket,
    dst_bucket: target.destinationBucket,
    root_folder: layout.previewRoot,
    preset_name: target.preset,
    rewrite_part: layout.sourcePrefix,
    width: preset.width,
    ...(target.format === undefined ? {} : { format: target.format }),
  };
}

/** Where one preview of an original lives. */
export interface PreviewLocation {
  /** The preset's name. */
  readonly preset: string;
  /** The variant's output format; absent for the source-format preview. */
  readonly format?: OutputFormat;
  /** The preview's key, `<previewRoot>/<preset>/<path>`, or `<previewRoot>/<preset>@<format>/<path>`. */
  readonly key: string;
}

/**
 * The key of the original at `path` below the originals prefix: `photo` and `a/b.jpg` give `photo/a/b.jpg`.
 * `path` is not checked; {@link previewLocations} and the contract's key rules are.
 */
export function originalKey(layout: Pick<PreviewLayout, 'sourcePrefix'>, path: string): string {
  return `${layout.sourcePrefix}/${path}`;
}

/** One preview every original has under a preset: its source-format preview or one of its formats. */
export interface PresetVariant {
  /** The preset's name. */
  readonly preset: string;
  /** The variant's output format; absent for the source-format preview. */
  readonly format?: OutputFormat;
  /** The preview key's segment below the root: `small`, `small@avif` ({@link variantSegment}). */
  readonly segment: string;
}

/**
 * The previews each original has under `presets` (default: every preset), in catalogue order, each
 * preset's source-format preview first, then its variants in the order the preset lists them:
 * `small=320;avif;webp`, `large=1440` give `small`, `small@avif`, `small@webp`, `large`.
 * Names not in the catalogue are left out.
 */
export function presetVariants(layout: Pick<PreviewLayout, 'presets'>, presets?: readonly string[]): PresetVariant[] {
  const chosen = presets === undefined ? [...layout.presets] : [...layout.presets].filter(([name]) => presets.includes(name));
  const variant = (preset: string, format?: OutputFormat): PresetVariant => ({
    preset,
    ...(format === undefined ? {} : { format }),
    segment: variantSegment(preset, format),
  });
  return chosen.flatMap(([name, preset]) => [variant(name), ...preset.formats.map((format) => variant(name, format))]);
}

/**
 * Every preview of the original at `key`, in the order of {@link presetVariants}: with prefix `photo`,
 * root `prew` and presets `small=320;avif;webp`, `large=1440`, `photo/a/b.jpg` has `prew/small/a/b.jpg`,
 * `prew/small@avif/a/b.jpg`, `prew/small@webp/a/b.jpg` and `prew/large/a/b.jpg`. The same keys the
 * function derives for requests (`previewKey`).
 *
 * @returns `undefined` when `key` is not an original of this layout: outside the prefix, an empty, `.` or
 * `..` segment, or a preview key over S3's 1024-byte limit.
 */
export function previewLocations(layout: PreviewLayout, key: string): PreviewLocation[] | undefined {
  const prefix = `${layout.sourcePrefix}/`;
  if (!key.startsWith(prefix) || !SEGMENT_PATH.test(key)) return undefined;
  const path = key.slice(prefix.length);
  const locations = presetVariants(layout).map(({ preset, format, segment }): PreviewLocation => ({
    preset,
    ...(format === undefined ? {} : { format }),
    key: `${layout.previewRoot}/${segment}/${path}`,
  }));
  return locations.every((location) => utf8ByteLength(location.key) <= MAX_KEY_BYTES) ? locations : undefined;
}

function refuse(code: LayoutRefusalCode, expected: string, field: string, received: string | number): LayoutRefusal {
  const shown = typeof received === 'string' ? quote(received) : String(received);
  return { code, message: `Expected ${expected} for ${field} but received ${shown}` };
}

function quote(text: string): string {
  return JSON.stringify(text);
}
