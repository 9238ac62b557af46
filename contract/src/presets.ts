/**
 * The preset catalogue: the named widths previews are made at (`/prew/<preset>/…`), and the output
 * formats each offers beyond the source format. Pure parsing of the two forms every deployable accepts,
 * the `PRESETS=small=320;avif;webp,medium=720` list and a `PRESETS_FILE` holding
 * `{"small": {"width": 320, "formats": ["avif", "webp"]}, "medium": 720}`, so the proxy, the function,
 * nginx's renderer, the demo and the template read one grammar. A catalogue without formats
 * (`small=320,medium=720`, `{"small": 320}`) reads as it always did.
 *
 * Only configured names and formats are served and generated, so nobody can enumerate widths 1..9000 or
 * variants through the URL or the function.
 *
 * @module
 */
import { isOutputFormat, OUTPUT_FORMATS, type OutputFormat } from './formats.js';

/** What a preset name may contain: lowercase letters, digits, `_` and `-`. */
export const PRESET_NAME = /^[a-z0-9_-]+$/;

/** Largest preset width in px: the largest JPEG dimension (65,535 / 4, libjpeg's limit with margin). */
export const MAX_PRESET_WIDTH = 16_383;

/** One entry of the catalogue. */
export interface Preset {
  /** Width of the preview in px; the height follows the aspect ratio. */
  readonly width: number;
  /**
   * The output formats offered beyond the source format, in the order configured (empty: the
   * source-format preview only). Each is a variant stored at `<root>/<preset>@<format>/<path>`.
   */
  readonly formats: readonly OutputFormat[];
}

/** Preset name → preset, in the order they were configured. */
export type PresetCatalogue = ReadonlyMap<string, Preset>;

/** Outcome of parsing presets: the catalogue, or one sentence saying what was expected and received. */
export type PresetsResult = { ok: true; presets: PresetCatalogue } | { ok: false; message: string };

const FORMATS = OUTPUT_FORMATS.join(', ');
const RULES = `names of a-z, 0-9, _ or -; widths integers from 1 to ${MAX_PRESET_WIDTH}; formats ${FORMATS}, each once`;

/** A catalogue entry before the duplicate-name check. */
type Entry = readonly [name: string, width: unknown, formats: readonly unknown[]];

/**
 * Parses the `PRESETS` form: `name=width` pairs separated by commas, each optionally followed by the
 * output formats it offers, each after a `;`, e.g. `small=320;avif;webp,medium=720,large=1440;webp`.
 * Whitespace around names, widths, formats and separators is ignored, and so is a trailing comma.
 *
 * @example
 * ```ts
 * parsePresetList('small=320;avif,large=1440'); // { ok: true, presets: Map { small → { width: 320, formats: ['avif'] }, … } }
 * parsePresetList('small=abc');                 // { ok: false, message: 'Expected name=width pairs … but received "small=abc"' }
 * ```
 */
export function parsePresetList(text: string): PresetsResult {
  const expected =
    'Expected name=width pairs separated by commas, each optionally followed by ";format" for every output ' +
    `format it offers, e.g. "small=320;avif;webp,medium=720" (${RULES})`;
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) {
    return { ok: false, message: `${expected} but received ${quote(text)}` };
  }
  const pairs: Entry[] = [];
  const bad: string[] = [];
  for (const entry of entries) {
    const [pair = '', ...formats] = entry.split(';').map((part) => part.trim());
    const separator = pair.indexOf('=');
    const name = separator < 0 ? '' : pair.slice(0, separator).trim();
    const rawWidth = separator < 0 ? '' : pair.slice(separator + 1).trim();
    const width = /^[0-9]+$/.test(rawWidth) ? Number(rawWidth) : Number.NaN;
    if (!isPresetName(name) || !isPresetWidth(width) || !areFormats(formats)) {
      bad.push(entry);
    }
    pairs.push([name, width, formats]);
  }
  if (bad.length > 0) {
    const detail = entries.length > 1 ? ` (bad: ${bad.map(quote).join(', ')})` : '';
    return { ok: false, message: `${expected} but received ${quote(text)}${detail}` };
  }
  return build(pairs, text);
}

/**
 * Parses the `PRESETS_FILE` form: a decoded JSON object of preset name → width, or → an object with the
 * width and the formats it offers, e.g. `{"small": {"width": 320, "formats": ["avif", "webp"]}, "large": 1440}`.
 * The object form allows no other property (a misspelt `format` is an error, not a preset without formats).
 */
export function parsePresetObject(value: unknown): PresetsResult {
  const expected =
    'Expected a JSON object of preset name to width or to {"width", "formats"}, e.g. ' +
    `{"small": {"width": 320, "formats": ["avif", "webp"]}, "large": 1440} (${RULES})`;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, message: `${expected} but received ${describeJson(value)}` };
  }
  const pairs = Object.entries(value).map(([name, entry]): Entry => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return [name, entry, []];
    const { width, formats = [], ...rest } = entry as Record<string, unknown>;
    // Anything else than a width and a list of formats makes the entry bad.
    const valid = Object.keys(rest).length === 0 && Array.isArray(formats);
    return [name, valid ? width : Number.NaN, Array.isArray(formats) ? formats : [Number.NaN]];
  });
  if (pairs.length === 0) {
    return { ok: false, message: `${expected} but received an empty object` };
  }
  const bad = pairs
    .filter(([name, width, formats]) => !isPresetName(name) || !isPresetWidth(width) || !areFormats(formats))
    .map(([name]) => name);
  if (bad.length > 0) {
    return {
      ok: false,
      message: `${expected} but received ${describeJson(value)} (bad: ${bad.map(quote).join(', ')})`,
    };
  }
  return build(pairs, JSON.stringify(value));
}

/**
 * Writes a catalogue back in the `PRESETS` form, e.g. `small=320;avif;webp,medium=720`: what
 * {@link parsePresetList} reads, so one catalogue can be handed to another deployable's environment.
 */
export function formatPresetList(presets: PresetCatalogue): string {
  return [...presets]
    .map(([name, preset]) => [`${name}=${preset.width}`, ...preset.formats].join(';'))
    .join(',');
}

/** Whether `name` is a valid preset name ({@link PRESET_NAME}). */
export function isPresetName(name: string): boolean {
  return PRESET_NAME.test(name);
}

function isPresetWidth(width: unknown): width is number {
  return typeof width === 'number' && Number.isInteger(width) && width >= 1 && width <= MAX_PRESET_WIDTH;
}

/** Whether `formats` are known output formats, each listed once. */
function areFormats(formats: readonly unknown[]): formats is readonly OutputFormat[] {
  return formats.every(isOutputFormat) && new Set(formats).size === formats.length;
}

function build(pairs: readonly Entry[], source: string): PresetsResult {
  const presets = new Map<string, Preset>();
  const duplicates: string[] = [];
  for (const [name, width, formats] of pairs) {
    if (presets.has(name)) duplicates.push(name);
    const offered = Object.freeze([...formats] as OutputFormat[]);
    presets.set(name, Object.freeze({ width: width as number, formats: offered }));
  }
  if (duplicates.length > 0) {
    return {
      ok: false,
      message:
        `Expected each preset name once but received ${duplicates.map(quote).join(', ')} ` +
        `more than once in ${quote(source)}`,
    };
  }
  return { ok: true, presets };
}

function quote(text: string): string {
  return JSON.stringify(text);
}

function describeJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
