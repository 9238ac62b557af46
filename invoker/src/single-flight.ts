import { raceAbort } from '@preview-lambda/contract';
import { InvocationAbortedError } from './errors.js';

interface Flight<V> {
  readonly promise: Promise<V>;
  readonly controller: AbortController;
  waiters: number;
}

/** Reason given to a flight's signal when every caller has left it. */
const ABANDONED = Symbol('abandoned');

/**
 * Coalesces concurrent calls with the same key into one execution, whose outcome they all share. The
 * entry is removed as soon as the execution settles, so nothing is cached.
 *
 * A caller's `signal` only detaches that caller (it gets `InvocationAbortedError`); when every caller has
 * detached, the execution's own signal aborts with {@link ABANDONED} and the entry is removed.
 */
export class SingleFlight<K, V> {
  readonly #flights = new Map<K, Flight<V>>();

  /** Number of executions in flight. */
  public get size(): number {
    return this.#flights.size;
  }

  /** Whether an execution for `key` is in flight (a {@link SingleFlight.run} for it would join it). */
  public has(key: K): boolean {
    return this.#flights.has(key);
  }

  /**
   * Joins the execution running for `key`, or starts one with `execute`. A `signal` that is already
   * aborted rejects at once, without starting or joining anything.
   */
  public run(key: K, execute: (signal: AbortSignal) => Promise<V>, signal?: AbortSignal): Promise<V> {
    if (signal?.aborted) return Promise.reject(new InvocationAbortedError({ cause: signal.reason }));
    let flight = this.#flights.get(key);
    if (flight === undefined) {
      flight = this.#start(key, execute);
    }
    flight.waiters += 1;
    return signal === undefined ? flight.promise : this.#wait(key, flight, signal);
  }

  #start(key: K, execute: (signal: AbortSignal) => Promise<V>): Flight<V> {
    const controller = new AbortController();
    const promise = Promise.resolve()
      .then(() => execute(controller.signal))
      .finally(() => {
        if (this.#flights.get(key) === flight) {
          this.#flights.delete(key);
        }
      });
    const flight: Flight<V> = { promise, controller, waiters: 0 };
    // Every caller may have detached before it settles: its rejection is then nobody's to handle.
    promise.catch(() => undefined);
    this.#flights.set(key, flight);
    return flight;
  }

  async #wait(key: K, flight: Flight<V>, signal: AbortSignal): Promise<V> {
    try {
      return await raceAbort(flight.promise, signal);
    } catch (error) {
      if (!signal.aborted || error !== signal.reason) throw error;
      this.#leave(key, flight);
      throw new InvocationAbortedError({ cause: signal.reason });
    }
  }

  #leave(key: K, flight: Flight<V>): void {
    flight.waiters -= 1;
    // A flight no longer in the map has settled (or was abandoned already): nothing to abort.
    if (flight.waiters > 0 || this.#flights.get(key) !== flight) {
      return;
    }
    this.#flights.delete(key);
    flight.controller.abort(ABANDONED);
  }
}
