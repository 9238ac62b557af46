/**
 * "Names or `*`": the one reading of a preset selection, shared by `EAGER_PRESETS` (config) and the
 * `presets` argument of an S3 Batch Operations job. Pure; each caller phrases its own error from the
 * result (an environment issue, a task's `resultString`).
 *
 * @module
 */

/** What {@link selectPresets} read from a selection. */
export interface PresetSelection {
  /** The names given, blanks around them dropped, empty entries left out, in the order given. */
  readonly names: readonly string[];
  /**
   * The presets selected, in catalogue order: every preset when `*` is among the names, else those
   * named (unknown names left out). Empty when no name was given.
   */
  readonly presets: readonly string[];
  /**
   * The names given that are neither in the catalogue nor `*`, in the order given: `*,huge` selects every
   * preset and still reports `huge` (a typo next to `*` is a mistake worth naming, not a no-op).
   */
  readonly unknown: readonly string[];
}

/**
 * Reads a selection of presets: a comma-separated list (`'small, large'`, `'*'`), or the names already
 * split, against the catalogue's names.
 *
 * @param selection - comma-separated names or `*`; blanks around names and empty entries are ignored.
 * @param catalogue - every configured preset name, in catalogue order.
 * @returns the names, the presets selected in catalogue order, and the unknown names; never throws.
 */
export function selectPresets(selection: string | readonly string[], catalogue: Iterable<string>): PresetSelection {
  const names = (typeof selection === 'string' ? selection.split(',') : selection)
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const known = [...catalogue];
  const all = names.includes('*');
  return {
    names,
    presets: known.filter((name) => all || names.includes(name)),
    unknown: names.filter((name) => name !== '*' && !known.includes(name)),
  };
}
