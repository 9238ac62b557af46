/**
 * The bucket as the tool reads it: ListObjectsV2 pages (1000 keys each) as a stream of keys in S3's
 * order, and the merge of the originals' listing with each preview folder's (one per preset and per
 * variant: `prew/small/`, `prew/small@avif/`…), which tells for every original which previews exist,
 * and which previews have no original, without a request per object.
 *
 * S3 lists keys in ascending UTF-8 byte order (ListObjectsV2, "returns objects in ascending order of
 * key names" — by UTF-8 binary value). An original `photo/<path>` and its previews `prew/<segment>/<path>`
 * (`<segment>`: `small`, `small@avif`…) share `<path>`, so both listings come in the same order of paths and one pass over each suffices.
 *
 * @module
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { previewLocations, type PreviewLayout } from '@preview-lambda/contract';

/** One listed object. */
export interface ListedObject {
  readonly key: string;
  /** S3's `LastModified`, in ms since the epoch. */
  readonly modified: number;
}

/** Lists `prefix` of `bucket` after `startAfter`, page by page. */
export async function* listObjects(
  client: S3Client,
  bucket: string,
  prefix: string,
  startAfter: string | undefined,
  signal?: AbortSignal,
): AsyncGenerator<ListedObject> {
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ...(token === undefined && startAfter !== undefined ? { StartAfter: startAfter } : {}),
        ...(token === undefined ? {} : { ContinuationToken: token }),
      }),
      { abortSignal: signal },
    );
    for (const object of page.Contents ?? []) {
      if (object.Key !== undefined) yield { key: object.Key, modified: object.LastModified?.getTime() ?? 0 };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
}

/** S3's key order: UTF-8 bytes. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A listing read one object ahead. */
class Cursor {
  #head: ListedObject | undefined;
  #done = false;

  public constructor(private readonly source: AsyncIterator<ListedObject>) {}

  public async head(): Promise<ListedObject | undefined> {
    if (this.#head === undefined && !this.#done) {
      const next = await this.source.next();
      if (next.done) this.#done = true;
      else this.#head = next.value;
    }
    return this.#head;
  }

  public advance(): void {
    this.#head = undefined;
  }
}

/** What the listings say about one original. */
export interface OriginalState {
  /** The original's key. */
  readonly key: string;
  /** Its path below the originals prefix. */
  readonly path: string;
  readonly modified: number;
  /** Previews that are missing, as variant segments (`small`, `small@avif`). */
  readonly missing: readonly string[];
  /** Previews older than the original (made from an earlier version), as variant segments. */
  readonly stale: readonly string[];
  /** Previews that exist and are not older, as variant segments. */
  readonly present: readonly string[];
}

/** What the merged listings yield, in key order. */
export type ListingItem =
  | { readonly kind: 'original'; readonly original: OriginalState }
  /** A listed key below the originals prefix that the layout does not map (a folder marker, `a//b`). */
  | { readonly kind: 'skipped'; readonly key: string }
  /** A preview whose original is not listed; `preset` is its variant segment (`small`, `small@avif`). */
  | { readonly kind: 'orphan'; readonly preset: string; readonly key: string };

/** Options of {@link mergeListings}. */
export interface MergeOptions {
  readonly client: S3Client;
  readonly bucket: string;
  readonly destinationBucket: string;
  readonly layout: PreviewLayout;
  /**
   * The previews to look at, as variant segments (`small`, `small@avif`), in catalogue order
   * (`presetVariants`).
   */
  readonly presets: readonly string[];
  /** Path prefix below the originals prefix, e.g. `sub/` (`''`: everything). */
  readonly subPrefix: string;
  /** Resume after this original key. */
  readonly startAfter: string | undefined;
  readonly signal?: AbortSignal;
}

/**
 * Merges the originals' listing with the listing of each of `options.presets`: every original with its
 * missing, stale and present previews, and every preview without an original, in path order.
 */
export async function* mergeListings(options: MergeOptions): AsyncGenerator<ListingItem> {
  const { client, layout, subPrefix, startAfter, signal } = options;
  const originalsPrefix = `${layout.sourcePrefix}/`;
  const startPath = startAfter?.startsWith(originalsPrefix) ? startAfter.slice(originalsPrefix.length) : undefined;
  const previewPrefix = (preset: string) => `${layout.previewRoot}/${preset}/`;
  const cursors = options.presets.map((preset) => ({
    preset,
    prefix: previewPrefix(preset),
    cursor: new Cursor(
      listObjects(client, options.destinationBucket, `${previewPrefix(preset)}${subPrefix}`, startPath === undefined ? undefined : `${previewPrefix(preset)}${startPath}`, signal),
    ),
  }));
  const originals = listObjects(client, options.bucket, `${originalsPrefix}${subPrefix}`, startAfter, signal);

  /** Emits the previews of `cursor` whose path sorts before `path` (all of them when `undefined`). */
  async function* orphansBefore(entry: (typeof cursors)[number], path: string | undefined): AsyncGenerator<ListingItem> {
    for (let head = await entry.cursor.head(); head !== undefined; head = await entry.cursor.head()) {
      if (path !== undefined && compareKeys(head.key.slice(entry.prefix.length), path) >= 0) return;
      yield { kind: 'orphan', preset: entry.preset, key: head.key };
      entry.cursor.advance();
    }
  }

  for await (const object of originals) {
    const path = object.key.slice(originalsPrefix.length);
    const mapped = previewLocations(layout, object.key) !== undefined;
    const missing: string[] = [];
    const stale: string[] = [];
    const present: string[] = [];
    for (const entry of cursors) {
      yield* orphansBefore(entry, path);
      const head = await entry.cursor.head();
      const found = head !== undefined && head.key.slice(entry.prefix.length) === path;
      if (found) entry.cursor.advance();
      if (!mapped) {
        if (found) yield { kind: 'orphan', preset: entry.preset, key: head.key };
        continue;
      }
      if (!found) missing.push(entry.preset);
      else if (head.modified < object.modified) stale.push(entry.preset);
      else present.push(entry.preset);
    }
    yield mapped
      ? { kind: 'original', original: { key: object.key, path, modified: object.modified, missing, stale, present } }
      : { kind: 'skipped', key: object.key };
  }
  for (const entry of cursors) yield* orphansBefore(entry, undefined);
}

/** Counts the originals below `prefix` after `startAfter` (listing only), for the progress bar's total. */
export async function countObjects(client: S3Client, bucket: string, prefix: string, startAfter: string | undefined, signal?: AbortSignal): Promise<number> {
  let count = 0;
  for await (const _ of listObjects(client, bucket, prefix, startAfter, signal)) count += 1;
  return count;
}
