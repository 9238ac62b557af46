/**
 * The entry point against the emulators (real handler): S3 notifications and EventBridge events purge
 * the previews of every preset and the idempotency records that would replay them; a created original
 * gets its EAGER_PRESETS; objects outside the layout are left alone; Go payloads answer as before.
 */
import type { ResizeResponse } from '@preview-lambda/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKETS, type Harness, lambdaContext, startHarness } from '../support/harness.js';
import { previewRequest, uniqueSourceKey } from '../support/requests.js';
import { colourJpeg, eventBridgeEvent, existing, previewKeys, s3Notification, TEST_VARIANTS } from './support.js';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness?.stop();
});

/** Generates every preview of `srcKey` (each preset and variant) through the Go contract; returns the responses. */
async function generateAll(sut: Awaited<ReturnType<Harness['handler']>>, srcKey: string): Promise<ResizeResponse[]> {
  const widths = new Map([['icon', 100], ['thumb', 200], ['card', 300], ['small', 320], ['medium', 720], ['large', 1440], ['poster', 1600]]);
  const responses: ResizeResponse[] = [];
  for (const segment of TEST_VARIANTS) {
    const [preset, format] = segment.split('@') as [string, 'avif' | 'webp' | undefined];
    const overrides = { preset_name: preset, width: widths.get(preset), ...(format === undefined ? {} : { format }) };
    responses.push(await sut.handler(previewRequest(BUCKETS, srcKey, overrides), lambdaContext()));
  }
  return responses;
}

describe('Function: entry point (object events)', () => {
  it.each([
    ['an S3 notification', (key: string) => s3Notification('ObjectRemoved:Delete', key)],
    ['an EventBridge event', (key: string) => eventBridgeEvent('Object Deleted', key)],
  ])('purges every preview and record of a removed original (%s)', async (_what, event) => {
    const sut = await harness.handler();
    const src = uniqueSourceKey('red flower+1.jpg');
    const other = uniqueSourceKey('kept.jpg');
    await harness.putSource(src, await colourJpeg(200, 0, 0));
    await harness.putSource(other, await colourJpeg(0, 0, 200));
    expect((await generateAll(sut, src)).every((response) => response.status)).toBe(true);
    await generateAll(sut, other);
    expect(await harness.records(sut.tableName)).toHaveLength(2 * TEST_VARIANTS.length);
    await harness.deleteObject(BUCKETS.source, src);

    const report = await sut.entry(event(src), lambdaContext());

    expect(report).toMatchObject({ objects: [{ bucket: BUCKETS.source, key: src, action: 'purged', purged: TEST_VARIANTS.length, generated: [] }] });
    expect(await existing(harness, previewKeys(src))).toEqual([]);
    expect(await existing(harness, previewKeys(other))).toEqual(previewKeys(other));
    // Only the other original's records are left: none could replay a purged preview.
    const records = await harness.records(sut.tableName);
    expect(records).toHaveLength(TEST_VARIANTS.length);
    const replay = await sut.handler(previewRequest(BUCKETS, src), lambdaContext());
    expect(replay).toMatchObject({ status: false, code: 'SOURCE_NOT_FOUND' });
  });

  it('purges the stale previews of a replaced original, so the next request shows the new version', async () => {
    const sut = await harness.handler();
    const src = uniqueSourceKey('replaced.jpg');
    await harness.putSource(src, await colourJpeg(200, 0, 0));
    const before = await sut.handler(previewRequest(BUCKETS, src), lambdaContext());
    await harness.putSource(src, await colourJpeg(0, 200, 0));

    await sut.entry(s3Notification('ObjectCreated:Put', src), lambdaContext());

    expect(await existing(harness, previewKeys(src))).toEqual([]);
    const after = await sut.handler(previewRequest(BUCKETS, src), lambdaContext());
    expect(after.status).toBe(true);
    expect(after.data).not.toBe(before.data);
    expect(sut.resizes()).toBe(2);
  });

  it('generates EAGER_PRESETS of a created original at once, through the Go path (idempotency records included)', async () => {
    const sut = await harness.handler({ env: { EAGER_PRESETS: 'small,icon' } });
    const src = uniqueSourceKey('eager.jpg');
    await harness.putSource(src, await colourJpeg(10, 20, 30));

    const report = await sut.entry(eventBridgeEvent('Object Created', src), lambdaContext());

    expect(report).toMatchObject({
      source: 'eventbridge',
      objects: [{ action: 'purged', generated: ['icon', 'small', 'small@avif', 'small@webp'].map((preset) => ({ preset, outcome: 'generated' })) }],
    });
    const path = src.slice('photo/'.length);
    expect(await existing(harness, previewKeys(src))).toEqual([`prew/icon/${path}`, `prew/small/${path}`, `prew/small@avif/${path}`, `prew/small@webp/${path}`]);
    expect(await harness.records(sut.tableName)).toHaveLength(4);
    // Proxy requests for them now replay the records instead of resizing.
    await sut.handler(previewRequest(BUCKETS, src), lambdaContext());
    await sut.handler(previewRequest(BUCKETS, src, { format: 'avif' }), lambdaContext());
    expect(sut.resizes()).toBe(4);
  });

  it('defers the eager previews that no longer fit in the invocation, and says so', async () => {
    const sut = await harness.handler({ env: { EAGER_PRESETS: 'small' } });
    const src = uniqueSourceKey('eager-late.jpg');
    await harness.putSource(src, await colourJpeg(10, 20, 30));
    // The whole timeout until the first resize, then 2.4 s: room for S3 calls, not for another preview.
    const context = lambdaContext();
    const late = { ...context, getRemainingTimeInMillis: () => (sut.resizes() === 0 ? context.getRemainingTimeInMillis() : 2_400) };

    const report = await sut.entry(eventBridgeEvent('Object Created', src), late);

    expect(report).toMatchObject({
      objects: [
        {
          action: 'purged',
          generated: [
            { preset: 'small', outcome: 'generated' },
            { preset: 'small@avif', outcome: 'deferred' },
            { preset: 'small@webp', outcome: 'deferred' },
          ],
        },
      ],
    });
    expect(sut.resizes()).toBe(1);
  });

  it('reports, without throwing, an eager preset the original cannot give (not an image)', async () => {
    const sut = await harness.handler({ env: { EAGER_PRESETS: '*' } });
    const src = uniqueSourceKey('notes.jpg');
    await harness.putSource(src, Buffer.from('not an image at all'));

    const report = await sut.entry(s3Notification('ObjectCreated:Put', src), lambdaContext());

    expect(report).toMatchObject({ objects: [{ action: 'purged', generated: [{ preset: 'icon', outcome: 'failed', code: 'NOT_AN_IMAGE' }] }] });
    // The original itself is unusable: the other six presets are not tried.
    expect((report as unknown as { objects: { generated: unknown[] }[] }).objects[0]!.generated).toHaveLength(1);
    expect(sut.resizes()).toBe(1);
  });

  it('answers S3\'s test message with no object and no failure', async () => {
    const sut = await harness.handler();
    const before = await harness.listBucket(BUCKETS.destination);
    const test = { Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2026-12-01T09:00:00.000Z', Bucket: BUCKETS.source, RequestId: 'R', HostId: 'H' };

    expect(await sut.entry(test, lambdaContext())).toEqual({ source: 's3-notification', objects: [] });
    expect(await harness.listBucket(BUCKETS.destination)).toEqual(before);
    expect(sut.resizes()).toBe(0);
  });

  it('ignores objects outside the layout and buckets it may not read, touching nothing', async () => {
    const sut = await harness.handler();
    const before = await harness.listBucket(BUCKETS.destination);
    const report = await sut.entry(
      {
        Records: [
          ...(s3Notification('ObjectCreated:Put', 'prew/small/a.jpg') as { Records: unknown[] }).Records,
          ...(s3Notification('ObjectRemoved:Delete', 'photo/folder/') as { Records: unknown[] }).Records,
          ...(s3Notification('ObjectRemoved:Delete', 'photo/a.jpg', BUCKETS.forbidden) as { Records: unknown[] }).Records,
          ...(s3Notification('ObjectTagging:Put', 'photo/a.jpg') as { Records: unknown[] }).Records,
        ],
      },
      lambdaContext(),
    );
    expect(report).toMatchObject({
      objects: [
        { action: 'ignored', reason: '"prew/small/a.jpg" is not an original below "photo/"' },
        { action: 'ignored', reason: '"photo/folder/" is not an original below "photo/"' },
        { action: 'ignored', reason: `Bucket "${BUCKETS.forbidden}" is not an allowed source bucket` },
        { action: 'ignored', reason: 'ObjectTagging:Put events do not change previews' },
      ],
    });
    expect(await harness.listBucket(BUCKETS.destination)).toEqual(before);
  });

  it('fails a malformed event with InvalidEventError, touching nothing', async () => {
    const sut = await harness.handler();
    await expect(sut.entry({ Records: [{ eventSource: 'aws:s3' }] }, lambdaContext())).rejects.toMatchObject({
      name: 'InvalidEventError',
      message: expect.stringMatching(/^Invalid S3 event notification: Expected non-empty string for Records\[0\]\.eventName/),
    });
  });

  it('answers a Go payload through the entry point with exactly the preview handler’s bytes', async () => {
    const sut = await harness.handler();
    const src = uniqueSourceKey('go.jpg');
    await harness.putSource(src, await colourJpeg(90, 60, 30));
    const direct = await sut.handler(previewRequest(BUCKETS, src), lambdaContext());
    const entry = await sut.entry(previewRequest(BUCKETS, src), lambdaContext());
    expect(JSON.stringify(entry)).toBe(JSON.stringify(direct));
    const invalid = { ...previewRequest(BUCKETS, src), width: '320' };
    expect(JSON.stringify(await sut.entry(invalid, lambdaContext()))).toBe(JSON.stringify(await sut.handler(invalid, lambdaContext())));
  });
});
