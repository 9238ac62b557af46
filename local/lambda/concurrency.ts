/**
 * The function's concurrency limit: how many invocations may run at once before Lambda throttles.
 */

/** Counts running invocations against an optional limit. */
export class ConcurrencyLimit {
  /** The limit; `Infinity` for none. */
  public readonly limit: number;
  #running = 0;

  /** @param limit - Most invocations running at once; `undefined` for no limit. */
  public constructor(limit?: number) {
    this.limit = limit ?? Number.POSITIVE_INFINITY;
  }

  /** Invocations running now. */
  public get running(): number {
    return this.#running;
  }

  /** Takes a slot; `false` (and nothing taken) when every slot is in use. */
  public tryAcquire(): boolean {
    if (this.#running >= this.limit) return false;
    this.#running += 1;
    return true;
  }

  /** Gives back a slot taken with {@link tryAcquire}. */
  public release(): void {
    this.#running = Math.max(0, this.#running - 1);
  }
}
