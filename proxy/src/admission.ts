/**
 * Overload control after coalescing. Requests for one preview share one invocation (the invoker's single
 * flight), so they cost one unit of work, not one each: `MAX_IN_FLIGHT` bounds the distinct previews being
 * worked on, and `MAX_COALESCED`, separately and generously, the requests that only wait on a preview
 * another request is already working on (each holds a socket and a few kB, no invocation).
 */

/** The bounds of a {@link PreviewAdmission}. */
export interface AdmissionLimits {
  /** Most distinct previews (preview keys) handled at once (`MAX_IN_FLIGHT`). */
  readonly maxInFlight: number;
  /** Most requests handled at once for a preview that another request is already handling (`MAX_COALESCED`). */
  readonly maxCoalesced: number;
}

/** Which bound refused a request. */
export type AdmissionLimit = 'MAX_IN_FLIGHT' | 'MAX_COALESCED';

/** The outcome of {@link PreviewAdmission.admit}. */
export type Admission =
  | {
      readonly admitted: true;
      /** Whether the request joined a preview already being handled. */
      readonly coalesced: boolean;
      /** Ends the request's claim; call it once the answer is over. Idempotent. */
      release(): void;
    }
  | {
      readonly admitted: false;
      /** The bound that was reached. */
      readonly limit: AdmissionLimit;
      /** Why, for the access log, e.g. `MAX_IN_FLIGHT (64) distinct previews are being handled`. */
      readonly reason: string;
    };

/**
 * Counts the preview requests being handled, by preview key. A request whose key has no request in flight
 * opens a new preview (bounded by `maxInFlight`); one whose key has joins it (bounded by `maxCoalesced`).
 * A key stays open until its last request is released, so the distinct keys open bound the invocations
 * running at once: the invoker runs at most one per key.
 */
export class PreviewAdmission {
  readonly #limits: AdmissionLimits;
  /** Preview key → requests being handled for it. */
  readonly #requestsByKey = new Map<string, number>();
  #requests = 0;

  public constructor(limits: AdmissionLimits) {
    this.#limits = limits;
  }

  /** Preview requests being handled now. */
  public get requests(): number {
    return this.#requests;
  }

  /** Distinct previews being handled now (what `maxInFlight` bounds). */
  public get distinct(): number {
    return this.#requestsByKey.size;
  }

  /** Requests waiting on a preview another request opened (what `maxCoalesced` bounds). */
  public get coalesced(): number {
    return this.#requests - this.#requestsByKey.size;
  }

  /** Admits a request for the preview `key` (e.g. `prew/small/a.jpg`), or says which bound refuses it. */
  public admit(key: string): Admission {
    const sharing = this.#requestsByKey.get(key) ?? 0;
    const { maxInFlight, maxCoalesced } = this.#limits;
    if (sharing === 0 && this.distinct >= maxInFlight) {
      return { admitted: false, limit: 'MAX_IN_FLIGHT', reason: `MAX_IN_FLIGHT (${maxInFlight}) distinct previews are being handled` };
    }
    if (sharing > 0 && this.coalesced >= maxCoalesced) {
      return {
        admitted: false,
        limit: 'MAX_COALESCED',
        reason: `MAX_COALESCED (${maxCoalesced}) requests already wait on previews being handled`,
      };
    }
    this.#requestsByKey.set(key, sharing + 1);
    this.#requests += 1;
    let released = false;
    return {
      admitted: true,
      coalesced: sharing > 0,
      release: () => {
        if (released) return;
        released = true;
        this.#requests -= 1;
        const left = (this.#requestsByKey.get(key) ?? 1) - 1;
        if (left === 0) this.#requestsByKey.delete(key);
        else this.#requestsByKey.set(key, left);
      },
    };
  }
}
