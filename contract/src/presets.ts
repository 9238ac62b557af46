/**
 * The preset catalogue: the named widths previews are made at (`/prew/<preset>/…`). Pure parsing of the two
 * forms every deployable accepts, the `PRESETS=small=320,medium=720` list and a `PRESETS_FILE` holding
 * `{"small": 320}`, so the proxy, the function, the demo and the template read one grammar.
 *
 * Only configured names are served and generated, so nobody can enumerate widths 1..9000 through the URL
 * or the function.
 *
 * @module
 */

/** What a preset name may contain: lowercase letters, digits, `_` and `-`. */
export const PRESET_NAME = /^[a-z0-9_-]+$/;

/** Largest preset width in px: the largest JPEG dimension (65,535 / 4, libjpeg's limit with margin). */
export const MAX_PRESET_WIDTH = 16_383;

/** One entry of the catalogue. */
export interface Preset {
  /** Width of the preview in px; the height follows the aspect ratio. */
  readonly width: number;
}

/** Preset name → preset, in the order they were configured. */
export type PresetCatalogue = ReadonlyMap<string, Preset>;

/** Outcome of parsing presets: the catalogue, or one sentence saying what was expected and received. */
export type PresetsResult = { ok: true; presets: PresetCatalogue } | { ok: false; message: string };

const RULES = `names of a-z, 0-9, _ or -; widths integers from 1 to ${MAX_PRESET_WIDTH}`;

/**
 * Parses the `PRESETS` form: `name=width` pairs separated by commas, e.g. `small=320,medium=720`.
 * Whitespace around names, widths and commas is ignored, and so is a trailing comma.
 *
 * @example
 * ```ts
 * parsePresetList('small=320,large=1440'); // { ok: true, presets: Map { small → { width: 320 }, … } }
 * parsePresetList('small=abc');            // { ok: false, message: 'Expected name=width pairs … but received "small=abc"' }
 * ```
 */
export function parsePresetList(text: string): PresetsResult {
  const expected = `Expected name=width pairs separated by commas, e.g. "small=320,medium=720" (${RULES})`;
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) {
    return { ok: false, message: `${expected} but received ${quote(text)}` };
  }
  const pairs: [string, unknown][] = [];
  const bad: string[] = [];
  for (const entry of entries) {
    const separator = entry.indexOf('=');
    const name = separator < 0 ? '' : entry.slice(0, separator).trim();
    const rawWidth = separator < 0 ? '' : entry.slice(separator + 1).trim();
    const width = /^[0-9]+$/.test(rawWidth) ? Number(rawWidth) : Number.NaN;
    if (!isPresetName(name) || !isPresetWidth(width)) {
      bad.push(entry);
    }
    pairs.push([name, width]);
  }
  if (bad.length > 0) {
    const detail = entries.length > 1 ? ` (bad: ${bad.map(quote).join(', ')})` : '';
    return { ok: false, message: `${expected} but received ${quote(text)}${detail}` };
  }
  return build(pairs, text);
}

/**
 * Parses the `PRESETS_FILE` form: a decoded JSON object of preset name → width, e.g. `{"small": 320}`.
 */
export function parsePresetObject(value: unknown): PresetsResult {
  const expected = `Expected a JSON object of preset name to width, e.g. {"small": 320} (${RULES})`;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, message: `${expected} but received ${describeJson(value)}` };
  }
  const pairs = Object.entries(value);
  if (pairs.length === 0) {
    return { ok: false, message: `${expected} but received an empty object` };
  }
  const bad = pairs
    .filter(([name, width]) => !isPresetName(name) || !isPresetWidth(width))
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
 * Writes a catalogue back in the `PRESETS` form, e.g. `small=320,medium=720`: what
 * {@link parsePresetList} reads, so one catalogue can be handed to another deployable's environment.
 */
export function formatPresetList(presets: PresetCatalogue): string {
  return [...presets].map(([name, preset]) => `${name}=${preset.width}`).join(',');
}

/** Whether `name` is a valid preset name ({@link PRESET_NAME}). */
export function isPresetName(name: string): boolean {
  return PRESET_NAME.test(name);
}

function isPresetWidth(width: unknown): width is number {
  return typeof width === 'number' && Number.isInteger(width) && width >= 1 && width <= MAX_PRESET_WIDTH;
}

function build(pairs: readonly (readonly [string, unknown])[], source: string): PresetsResult {
  const presets = new Map<string, Preset>();
  const duplicates: string[] = [];
  for (const [name, width] of pairs) {
    if (presets.has(name)) duplicates.push(name);
    presets.set(name, Object.freeze({ width: width as number }));
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
