/**
 * What a run did, counted as it goes: the numbers the progress line shows and the `--json` summary
 * prints, the failures with their codes, and what `verify` found.
 *
 * @module
 */

/** A preview that could not be made or deleted. */
export interface Failure {
  /** The original's key (or the preview's, for deletes). */
  readonly key: string;
  /** The preview's variant segment (`small`, `small@avif`), when the failure concerns one. */
  readonly preset?: string;
  /** The function's code (`NOT_AN_IMAGE`, …), the invoker's (`FUNCTION_ERROR`, …) or S3's (`AccessDenied`). */
  readonly code: string;
  readonly message: string;
}

/** Something `verify` found. */
export interface Finding {
  /** `missing`: no preview; `stale`: older than its original; `orphan`: no original. */
  readonly kind: 'missing' | 'stale' | 'orphan';
  /** The preview's variant segment (`small`, `small@avif`). */
  readonly preset: string;
  /** The original's key (`missing`), or the preview's (`stale`, `orphan`). */
  readonly key: string;
}

/** How many failures and findings the summary lists one by one; the counts always cover all. */
export const LISTED_LIMIT = 1000;

/** Counts of a run. */
export class Tally {
  readonly #counts = new Map<string, number>();
  readonly failures: Failure[] = [];
  /** Originals the function cannot preview (not an image, corrupt, too large…), one entry each. */
  readonly unusable: Failure[] = [];
  readonly findings: Finding[] = [];

  /** Adds `n` to the count `name`. */
  public add(name: string, n = 1): void {
    if (n !== 0) this.#counts.set(name, this.get(name) + n);
  }

  /** The count `name` (0 when never added). */
  public get(name: string): number {
    return this.#counts.get(name) ?? 0;
  }

  /** Records a failure (counted as `failed`). */
  public fail(failure: Failure): void {
    this.add('failed');
    this.add(`failed:${failure.code}`);
    if (this.failures.length < LISTED_LIMIT) this.failures.push(failure);
  }

  /**
   * Records an original the function answered it cannot preview (`NOT_AN_IMAGE`, …): the data's state,
   * not a failure of the run (the proxy answers 404 for it too), counted as `unusable`.
   */
  public unusableOriginal(original: Failure): void {
    this.add('unusable');
    this.add(`unusable:${original.code}`);
    if (this.unusable.length < LISTED_LIMIT) this.unusable.push(original);
  }

  /** Records a finding (counted as its kind). */
  public find(finding: Finding): void {
    this.add(finding.kind);
    if (this.findings.length < LISTED_LIMIT) this.findings.push(finding);
  }

  /** Every count, by name. */
  public counts(): Record<string, number> {
    return Object.fromEntries([...this.#counts].sort(([a], [b]) => a.localeCompare(b)));
  }
}
