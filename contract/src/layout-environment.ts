/**
 * The layout's variables, read the same way by every deployable that needs them (the function and the
 * proxy): `SOURCE_PREFIX`, `PREVIEW_ROOT`, and the preset catalogue in `PRESETS` or a `PRESETS_FILE`.
 * Pure: the file is read through the `readFile` the deployable's `config.ts` passes in.
 *
 * @module
 */
import * as z from 'zod';
import { isPreviewRoot, isSourcePrefix, LAYOUT_SEGMENT_CHARACTERS, layoutOverlap, type PreviewLayout } from './layout.js';
import { parsePresetList, parsePresetObject, type PresetCatalogue, type PresetsResult } from './presets.js';

/** Reads a file as UTF-8 text (a config module passes `(path) => readFileSync(path, 'utf8')`). */
export type ReadTextFile = (path: string) => string;

const SEGMENTS = `of ${LAYOUT_SEGMENT_CHARACTERS}`;

function presets(parse: (raw: string) => PresetsResult) {
  return z.string().transform((raw, ctx): PresetCatalogue => {
    const result = parse(raw);
    if (result.ok) return result.presets;
    ctx.addIssue({ code: 'custom', message: result.message });
    return z.NEVER;
  });
}

function presetFile(readFile: ReadTextFile) {
  return presets((path) => {
    let json: unknown;
    try {
      json = JSON.parse(readFile(path));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { ok: false, message: `Expected a readable JSON file like {"small": 320} but it is not: ${reason}` };
    }
    return parsePresetObject(json);
  });
}

/**
 * The zod shape of the layout variables, to spread into a deployable's environment schema. Defaults:
 * `SOURCE_PREFIX=photo`, `PREVIEW_ROOT=prew`; exactly one of `PRESETS` and `PRESETS_FILE` is required
 * ({@link presetsGiven}).
 */
export function layoutVariables(readFile: ReadTextFile) {
  return {
    SOURCE_PREFIX: z
      .string()
      .refine(isSourcePrefix, `Expected "/"-separated key segments ${SEGMENTS} without "/" around them, e.g. "photo"`)
      .default('photo'),
    PREVIEW_ROOT: z.string().refine(isPreviewRoot, `Expected one key segment ${SEGMENTS}, e.g. "prew"`).default('prew'),
    PRESETS: presets(parsePresetList).optional(),
    PRESETS_FILE: presetFile(readFile).optional(),
  };
}

/** The layout variables as parsed by {@link layoutVariables}. */
export interface LayoutVariables {
  readonly SOURCE_PREFIX: string;
  readonly PREVIEW_ROOT: string;
  readonly PRESETS?: PresetCatalogue | undefined;
  readonly PRESETS_FILE?: PresetCatalogue | undefined;
}

/**
 * The check that exactly one of `PRESETS` and `PRESETS_FILE` is set, for `schema.refine(...)`. It runs even
 * when other variables failed (zod's `when`), so the message names this problem together with the others.
 */
export const presetsGiven: [
  check: (e: Partial<LayoutVariables>) => boolean,
  params: { when: () => boolean; path: PropertyKey[]; error: (issue: { input: unknown }) => string },
] = [
  (e) => (e.PRESETS === undefined) !== (e.PRESETS_FILE === undefined),
  {
    when: () => true,
    path: ['PRESETS'],
    error: (issue) =>
      (issue.input as Partial<LayoutVariables>).PRESETS === undefined
        ? 'Expected name=width pairs like "small=320,medium=720" (or a JSON file in PRESETS_FILE) but neither PRESETS nor PRESETS_FILE is set'
        : 'Expected either PRESETS or PRESETS_FILE but both are set',
  },
];

/**
 * The {@link PreviewLayout} of parsed layout variables, for the final `transform` of a deployable's schema.
 * Adds an issue on `PREVIEW_ROOT` when it overlaps `SOURCE_PREFIX` (see `layoutOverlap`).
 */
export function layoutOf(e: LayoutVariables, ctx: z.RefinementCtx): PreviewLayout {
  const overlap = layoutOverlap(e.SOURCE_PREFIX, e.PREVIEW_ROOT);
  if (overlap !== undefined) {
    const message = `Expected a preview root apart from SOURCE_PREFIX (neither inside the other) but ${overlap}`;
    ctx.addIssue({ code: 'custom', path: ['PREVIEW_ROOT'], message });
  }
  return Object.freeze({ sourcePrefix: e.SOURCE_PREFIX, previewRoot: e.PREVIEW_ROOT, presets: (e.PRESETS ?? e.PRESETS_FILE)! });
}
