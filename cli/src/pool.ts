/**
 * Bounded concurrency over a stream of originals, with a resume point.
 *
 * Not p-map: its own documentation says it can drop items it already pulled from an input that cannot be
 * re-read (an async generator, like our listing) when it stops early or when, above concurrency 1, one
 * pull reports the end while another still gets an item. A run over millions of originals must neither
 * lose one silently nor read the listing further ahead than it works, so this pool pulls an item only
 * when a slot is free, and stops pulling (finishing what runs) when asked to.
 *
 * @module
 */

/** Options of {@link runPool}. */
export interface PoolOptions<Item> {
  /** Most items worked on at once (≥ 1). */
  readonly concurrency: number;
  /** Whether to stop pulling items (checked before each pull): Ctrl-C, a fatal error. */
  readonly stopped: () => boolean;
  /** The key of an item, in the order the source yields them. */
  readonly keyOf: (item: Item) => string;
  /** Called with the last key before which every item is done, each time it moves. */
  readonly onDone?: (key: string) => void;
}

/**
 * Runs `work` on the items of `source`, at most `concurrency` at once, in pull order; resolves when the
 * source ended (or `stopped()` turned true) and every started item finished. `work` must not throw: it
 * records its own failures.
 *
 * @returns the resume point: the key of the last item such that it and every item before it are done
 *   (`undefined` when none is).
 */
export async function runPool<Item>(
  source: AsyncIterable<Item>,
  work: (item: Item) => Promise<void>,
  options: PoolOptions<Item>,
): Promise<string | undefined> {
  const running = new Set<Promise<void>>();
  const order: { key: string; done: boolean }[] = [];
  let resumeAfter: string | undefined;
  const settle = (): void => {
    while (order.length > 0 && order[0]!.done) resumeAfter = order.shift()!.key;
    if (resumeAfter !== undefined) options.onDone?.(resumeAfter);
  };
  const iterator = source[Symbol.asyncIterator]();
  try {
    while (!options.stopped()) {
      if (running.size >= options.concurrency) {
        await Promise.race(running);
        continue;
      }
      const next = await iterator.next();
      if (next.done) break;
      const entry = { key: options.keyOf(next.value), done: false };
      order.push(entry);
      const task = work(next.value).finally(() => {
        entry.done = true;
        running.delete(task);
        settle();
      });
      running.add(task);
    }
  } finally {
    await Promise.all(running);
    await iterator.return?.();
  }
  settle();
  return resumeAfter;
}
