/**
 * The three commands over a listing of the originals:
 *
 * - `backfill`: generates the missing previews of every original, each preset's and each variant's
 *   (through the function);
 * - `purge`: deletes the previews below a prefix (directly, with the operator's S3 credentials);
 * - `verify`: reports missing, stale and orphan previews; `--fix` deletes stale and orphan previews and
 *   generates the missing and stale ones.
 *
 * Deletes go straight to S3 (DeleteObjects, 1000 keys a request) rather than through the function: a
 * purge of a large prefix is a few requests instead of an invocation per original, it works whatever the
 * stack's `Lifecycle`, and the idempotency records it leaves are harmless: a record whose preview is gone
 * makes the function generate it again from the original (or answer `SOURCE_NOT_FOUND`), and records
 * expire after `IDEMPOTENCY_TTL_SECONDS`.
 *
 * @module
 */
import { DeleteObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import { DELETE_OBJECTS_MAX_KEYS } from '@preview-lambda/contract';
import { type ListingItem, listObjects, type MergeOptions, mergeListings, type OriginalState } from './listing.js';
import type { PreviewMaker } from './maker.js';
import { runPool } from './pool.js';
import type { Progress } from './progress.js';
import type { Tally } from './tally.js';

/** What every command is given: the listing's selection (buckets, layout, presets, prefix, resume key), and: */
export interface CommandContext extends Omit<MergeOptions, 'client' | 'signal'> {
  readonly s3: S3Client;
  readonly concurrency: number;
  readonly dryRun: boolean;
  readonly tally: Tally;
  readonly progress: Progress;
  readonly maker: PreviewMaker;
  /** Whether to stop taking new originals (Ctrl-C, a fatal error). */
  readonly stopped: () => boolean;
  /** Aborts running invocations (a second Ctrl-C). */
  readonly signal: AbortSignal;
  /** Receives each finding of `verify` as a line (text mode). */
  readonly report: (line: string) => void;
}

/** How a command ended. */
export interface CommandResult {
  /** The last original before which everything is done (give it to `--start-after` to resume). */
  readonly resumeAfter: string | undefined;
}

/** Deletes keys in DeleteObjects batches of {@link DELETE_OBJECTS_MAX_KEYS} (1000), counting `deleted` and failures. */
export class BatchDeleter {
  readonly #keys: string[] = [];

  public constructor(private readonly context: Pick<CommandContext, 's3' | 'destinationBucket' | 'tally' | 'signal' | 'dryRun'>) {}

  public async add(key: string): Promise<void> {
    this.#keys.push(key);
    if (this.#keys.length >= DELETE_OBJECTS_MAX_KEYS) await this.flush();
  }

  public async flush(): Promise<void> {
    const keys = this.#keys.splice(0);
    if (keys.length === 0) return;
    const { tally } = this.context;
    if (this.context.dryRun) return void tally.add('wouldDelete', keys.length);
    const output = await this.context.s3.send(
      new DeleteObjectsCommand({ Bucket: this.context.destinationBucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
      { abortSignal: this.context.signal },
    );
    const errors = output.Errors ?? [];
    tally.add('deleted', keys.length - errors.length);
    for (const error of errors) tally.fail({ key: error.Key ?? '?', code: error.Code ?? 'UnknownError', message: error.Message ?? 'not deleted' });
  }
}

/** The originals of the listing, counting the keys that are not originals of the layout. */
async function* originalsOf(items: AsyncIterable<ListingItem>, context: CommandContext, onOrphan?: (item: ListingItem & { kind: 'orphan' }) => Promise<void>): AsyncGenerator<OriginalState> {
  for await (const item of items) {
    if (item.kind === 'original') yield item.original;
    else if (item.kind === 'skipped') context.tally.add('notOriginals');
    else await onOrphan?.(item);
  }
}

function listing(context: CommandContext): AsyncGenerator<ListingItem> {
  return mergeListings({ ...context, client: context.s3, signal: context.signal });
}

/** `backfill`: every missing preview (preset or variant) of every original, generated through the function. */
export async function backfill(context: CommandContext): Promise<CommandResult> {
  const { tally, progress, maker } = context;
  const resumeAfter = await runPool(
    originalsOf(listing(context), context),
    async (original) => {
      tally.add('originals');
      tally.add('existing', original.present.length + original.stale.length);
      if (original.missing.length === 0) tally.add('complete');
      else if (context.dryRun) tally.add('wouldGenerate', original.missing.length);
      else await maker.make(original, original.missing, context.signal);
      progress.tick();
    },
    { concurrency: context.concurrency, stopped: context.stopped, keyOf: (original) => original.key },
  );
  return { resumeAfter };
}

/**
 * `purge`: every preview of the chosen presets and variants below the prefix, deleted. It lists preview
 * folders one after the other, so no original key marks how far it came: its resume point is none (a
 * purge run again from `--start-after` deletes what is left; deleting is idempotent).
 */
export async function purge(context: CommandContext): Promise<CommandResult> {
  const { layout, tally, progress } = context;
  const deleter = new BatchDeleter(context);
  for (const preset of context.presets) {
    const root = `${layout.previewRoot}/${preset}/`;
    const startAfter = context.startAfter?.startsWith(`${layout.sourcePrefix}/`)
      ? `${root}${context.startAfter.slice(layout.sourcePrefix.length + 1)}`
      : undefined;
    for await (const object of listObjects(context.s3, context.destinationBucket, `${root}${context.subPrefix}`, startAfter, context.signal)) {
      if (context.stopped()) break;
      tally.add('previews');
      await deleter.add(object.key);
      progress.tick();
    }
    await deleter.flush();
    if (context.stopped()) break;
  }
  return { resumeAfter: undefined };
}

/** `verify`: missing, stale and orphan previews reported; with `fix`, repaired. */
export async function verify(context: CommandContext, fix: boolean): Promise<CommandResult> {
  const { tally, progress, maker, report } = context;
  const deleter = new BatchDeleter(context);
  const found = (kind: 'missing' | 'stale' | 'orphan', preset: string, key: string): void => {
    tally.find({ kind, preset, key });
    report(`${kind.padEnd(7)} ${preset.padEnd(10)} ${key}`);
  };
  const originals = originalsOf(listing(context), context, async (orphan) => {
    found('orphan', orphan.preset, orphan.key);
    if (fix) await deleter.add(orphan.key);
  });
  const resumeAfter = await runPool(
    originals,
    async (original) => {
      tally.add('originals');
      const staleKeys = original.stale.map((preset) => `${context.layout.previewRoot}/${preset}/${original.path}`);
      for (const preset of original.missing) found('missing', preset, original.key);
      original.stale.forEach((preset, index) => found('stale', preset, staleKeys[index]!));
      if (original.missing.length + original.stale.length === 0) tally.add('complete');
      if (fix && !context.dryRun && original.missing.length + original.stale.length > 0) {
        // A stale preview is deleted first: the function then makes it from the current original
        // (a replayed record whose preview is gone is generated again).
        const stale = new BatchDeleter(context);
        for (const key of staleKeys) await stale.add(key);
        await stale.flush();
        await maker.make(original, [...original.missing, ...original.stale], context.signal);
      } else if (fix) {
        tally.add('wouldGenerate', original.missing.length + original.stale.length);
      }
      progress.tick();
    },
    { concurrency: context.concurrency, stopped: context.stopped, keyOf: (original) => original.key },
  );
  await deleter.flush();
  return { resumeAfter };
}
