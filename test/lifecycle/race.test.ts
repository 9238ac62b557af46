/**
 * Replace-while-resizing: a request for the old version is still resizing when the original is replaced
 * (or deleted) and the event arrives. The resize step is slowed by a gate the test opens after the
 * replace and the event, so the generation writes its preview after the purge ran: the freshness check
 * (source ETag in the preview's metadata, original re-read after the write) must leave no stale preview.
 */
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import type { ResizeFunction } from '@preview-lambda/handler/handler';
import { resizeImage } from '@preview-lambda/handler/image';
import { channelMeans, decodePixels } from '@preview-lambda/fixtures/metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKETS, type Harness, lambdaContext, startHarness } from '../support/harness.js';
import { previewRequest, uniqueSourceKey } from '../support/requests.js';
import { colourJpeg, s3Notification } from './support.js';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness?.stop();
});

/** A resize step that holds its first call until `release()`; `started` resolves when it is held. */
function gatedResize(): { resize: ResizeFunction; started: Promise<void>; release: () => void } {
  let signalStarted!: () => void;
  let release!: () => void;
  const started = new Promise<void>((resolve) => (signalStarted = resolve));
  const gate = new Promise<void>((resolve) => (release = resolve));
  let calls = 0;
  const resize: ResizeFunction = async (input, options) => {
    calls += 1;
    if (calls === 1) {
      signalStarted();
      await gate;
    }
    return resizeImage(input, options);
  };
  return { resize, started, release };
}

/** Red, green and blue means of an encoded preview. */
async function means(bytes: Buffer): Promise<number[]> {
  return channelMeans(await decodePixels(bytes));
}

describe('Replace while resizing', () => {
  it('leaves the new version’s preview when the original is replaced and its event handled mid-resize', async () => {
    const gated = gatedResize();
    const sut = await harness.handler({ resize: gated.resize });
    const src = uniqueSourceKey('raced.jpg');
    const key = `prew/small/${src.slice('photo/'.length)}`;
    await harness.putSource(src, await colourJpeg(220, 0, 0));

    const pending = sut.handler(previewRequest(BUCKETS, src), lambdaContext());
    await gated.started;
    await harness.putSource(src, await colourJpeg(0, 220, 0));
    const report = await sut.entry(s3Notification('ObjectCreated:Put', src), lambdaContext());
    expect(report).toMatchObject({ objects: [{ action: 'purged' }] });
    gated.release();
    const response = await pending;

    expect(response).toMatchObject({ status: true, key });
    const [red, green] = await means(Buffer.from(response.data, 'base64'));
    expect(green).toBeGreaterThan(150);
    expect(red).toBeLessThan(60);
    const stored = await harness.getObject(BUCKETS.destination, key);
    expect(stored!.bytes.equals(Buffer.from(response.data, 'base64'))).toBe(true);
    const [original, preview] = await Promise.all([
      harness.s3.send(new HeadObjectCommand({ Bucket: BUCKETS.source, Key: src })),
      harness.s3.send(new HeadObjectCommand({ Bucket: BUCKETS.destination, Key: key })),
    ]);
    expect(preview.Metadata?.['source-etag']).toBe(original.ETag!.replaceAll('"', ''));
    // The stale write was withdrawn and the original read again: two resizes, two writes.
    expect([sut.resizes(), sut.puts()]).toEqual([2, 2]);
  });

  it('leaves no preview when the original is deleted and its event handled mid-resize', async () => {
    const gated = gatedResize();
    const sut = await harness.handler({ resize: gated.resize });
    const src = uniqueSourceKey('deleted.jpg');
    const key = `prew/small/${src.slice('photo/'.length)}`;
    await harness.putSource(src, await colourJpeg(220, 0, 0));

    const pending = sut.handler(previewRequest(BUCKETS, src), lambdaContext());
    await gated.started;
    await harness.deleteObject(BUCKETS.source, src);
    await sut.entry(s3Notification('ObjectRemoved:Delete', src), lambdaContext());
    gated.release();

    expect(await pending).toMatchObject({ status: false, code: 'SOURCE_NOT_FOUND' });
    expect(await harness.getObject(BUCKETS.destination, key)).toBeUndefined();
    expect(await harness.records(sut.tableName)).toEqual([]);
  });

  it('gives up with SourceChangedError (thrown: retried later) when the original changes during every attempt', async () => {
    let colour = 0;
    const sut = await harness.handler({
      resize: async (input, options) => {
        colour += 1;
        await harness.putSource(src, await colourJpeg(colour * 40, 0, 0));
        return resizeImage(input, options);
      },
    });
    const src = uniqueSourceKey('restless.jpg');
    await harness.putSource(src, await colourJpeg(0, 0, 220));

    await expect(sut.handler(previewRequest(BUCKETS, src), lambdaContext())).rejects.toMatchObject({ name: 'SourceChangedError' });
    expect(await harness.getObject(BUCKETS.destination, `prew/small/${src.slice('photo/'.length)}`)).toBeUndefined();
    expect(await harness.records(sut.tableName)).toEqual([]);
    expect(sut.resizes()).toBe(2);
  });

  it('keeps a preview whose original did not change (one resize, one write, the source ETag stored)', async () => {
    const sut = await harness.handler();
    const src = uniqueSourceKey('calm.jpg');
    await harness.putSource(src, await colourJpeg(0, 0, 220));
    const response = await sut.handler(previewRequest(BUCKETS, src), lambdaContext());
    expect(response.status).toBe(true);
    const preview = await harness.s3.send(new HeadObjectCommand({ Bucket: BUCKETS.destination, Key: response.key }));
    expect(preview.Metadata?.['source-etag']).toMatch(/^[0-9a-f]{32}$/);
    expect([sut.resizes(), sut.puts()]).toEqual([1, 1]);
  });
});
