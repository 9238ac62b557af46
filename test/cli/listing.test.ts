/**
 * The tool's listing merge and pool (unit, scripted S3): which previews are missing, stale or orphaned,
 * in S3's UTF-8 key order; bounded concurrency and the resume point.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { parsePresetList, type PreviewLayout } from '@preview-lambda/contract';
import { type ListingItem, compareKeys, mergeListings } from '@preview-lambda/cli/listing';
import { runPool } from '@preview-lambda/cli/pool';
import { describe, expect, it } from 'vitest';

const presets = parsePresetList('small=320,large=1440');
const LAYOUT: PreviewLayout = { sourcePrefix: 'photo', previewRoot: 'prew', presets: presets.ok ? presets.presets : new Map() };

/** A scripted S3 that lists `objects` (key → modified ms) like ListObjectsV2, 2 keys a page. */
function scriptedS3(objects: Record<string, number>): { client: S3Client; requests: string[] } {
  const keys = Object.keys(objects).sort(compareKeys);
  const requests: string[] = [];
  const client = {
    send: async (command: unknown) => {
      if (!(command instanceof ListObjectsV2Command)) throw new Error('unexpected command');
      const { Prefix = '', StartAfter, ContinuationToken } = command.input;
      requests.push(`${Prefix} ${StartAfter ?? ''} ${ContinuationToken ?? ''}`);
      const after = ContinuationToken ?? StartAfter;
      const matching = keys.filter((key) => key.startsWith(Prefix) && (after === undefined || compareKeys(key, after) > 0));
      const page = matching.slice(0, 2);
      return {
        Contents: page.map((Key) => ({ Key, LastModified: new Date(objects[Key]!) })),
        IsTruncated: matching.length > 2,
        NextContinuationToken: matching.length > 2 ? page.at(-1) : undefined,
      };
    },
  } as unknown as S3Client;
  return { client, requests };
}

async function collect(objects: Record<string, number>, options: { subPrefix?: string; startAfter?: string } = {}): Promise<ListingItem[]> {
  const { client } = scriptedS3(objects);
  const items: ListingItem[] = [];
  for await (const item of mergeListings({
    client,
    bucket: 'b',
    destinationBucket: 'b',
    layout: LAYOUT,
    presets: ['small', 'large'],
    subPrefix: options.subPrefix ?? '',
    startAfter: options.startAfter,
  })) {
    items.push(item);
  }
  return items;
}

describe('Function: mergeListings', () => {
  it('tells missing, stale and present previews of each original, and orphans, in key order', async () => {
    const items = await collect({
      'photo/a.jpg': 100,
      'photo/b.jpg': 100,
      'photo/dir/': 100,
      'prew/small/a.jpg': 200,
      'prew/large/a.jpg': 50,
      'prew/small/aa-orphan.jpg': 1,
      'prew/large/b.jpg': 300,
      'prew/large/z-orphan.jpg': 1,
    });
    expect(items).toEqual([
      { kind: 'original', original: { key: 'photo/a.jpg', path: 'a.jpg', modified: 100, missing: [], stale: ['large'], present: ['small'] } },
      { kind: 'orphan', preset: 'small', key: 'prew/small/aa-orphan.jpg' },
      { kind: 'original', original: { key: 'photo/b.jpg', path: 'b.jpg', modified: 100, missing: ['small'], stale: [], present: ['large'] } },
      { kind: 'skipped', key: 'photo/dir/' },
      { kind: 'orphan', preset: 'large', key: 'prew/large/z-orphan.jpg' },
    ]);
  });

  it('follows S3’s UTF-8 byte order, not JavaScript’s UTF-16 order', async () => {
    // UTF-16 code units put "😀" (D83D DE00) before "～" (FF5E); UTF-8 bytes put "～" (EF BD 9E) before
    // "😀" (F0 9F 98 80), which is how S3 lists them.
    expect('😀' < '～').toBe(true);
    expect(compareKeys('～', '😀')).toBeLessThan(0);
    const items = await collect({ 'photo/～.jpg': 1, 'photo/😀.jpg': 1, 'prew/small/～.jpg': 2, 'prew/small/😀.jpg': 2, 'prew/large/😀.jpg': 2 });
    expect(items.map((item) => (item.kind === 'original' ? [item.original.key, item.original.missing] : item.kind))).toEqual([
      ['photo/～.jpg', ['large']],
      ['photo/😀.jpg', []],
    ]);
  });

  it('resumes after an original and stays below a sub-prefix, in every listing', async () => {
    const objects = { 'photo/x/1.jpg': 1, 'photo/x/2.jpg': 1, 'photo/y/3.jpg': 1, 'prew/small/x/1.jpg': 2, 'prew/small/x/2.jpg': 2, 'prew/small/y/3.jpg': 2 };
    const items = await collect(objects, { subPrefix: 'x/', startAfter: 'photo/x/1.jpg' });
    expect(items).toEqual([{ kind: 'original', original: expect.objectContaining({ key: 'photo/x/2.jpg', missing: ['large'], present: ['small'] }) }]);
  });
});

describe('Function: runPool', () => {
  it('runs at most `concurrency` items at once and resumes after the last contiguous done item', async () => {
    let running = 0;
    let peak = 0;
    const done: string[] = [];
    const marks: { key: string; done: string[] }[] = [];
    async function* source() {
      for (const key of ['a', 'b', 'c', 'd', 'e', 'f']) yield key;
    }
    const resume = await runPool(
      source(),
      async (key) => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, key === 'b' ? 30 : 5));
        running -= 1;
        done.push(key);
      },
      { concurrency: 2, stopped: () => false, keyOf: (key) => key, onDone: (key) => marks.push({ key, done: [...done] }) },
    );
    expect(peak).toBe(2);
    expect(done).toHaveLength(6);
    expect(resume).toBe('f');
    // "b" was slow and finished after "c" and "d": the resume point never passed an item not yet done.
    expect(done.indexOf('b')).toBeGreaterThan(done.indexOf('c'));
    expect(marks.length).toBeGreaterThan(0);
    for (const mark of marks) {
      const before = ['a', 'b', 'c', 'd', 'e', 'f'].filter((key) => key <= mark.key);
      expect(before.filter((key) => !mark.done.includes(key))).toEqual([]);
    }
  });

  it('stops pulling when stopped, finishes what runs, and resumes after what is done', async () => {
    let stop = false;
    const pulled: string[] = [];
    async function* source() {
      for (const key of ['a', 'b', 'c', 'd']) {
        pulled.push(key);
        yield key;
      }
    }
    const resume = await runPool(
      source(),
      async (key) => {
        if (key === 'b') stop = true;
        await new Promise((resolve) => setTimeout(resolve, 5));
      },
      { concurrency: 1, stopped: () => stop, keyOf: (key) => key },
    );
    expect(pulled).toEqual(['a', 'b']);
    expect(resume).toBe('b');
  });
});
