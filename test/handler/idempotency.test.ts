import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { resizeImage } from '@preview-lambda/handler/image';
import { makeJpeg } from '@preview-lambda/fixtures/images';
import { BUCKETS, type Harness, lambdaContext, startHarness } from '../support/harness.js';
import { uniqueSourceKey } from '../support/requests.js';
import { expectedKey, expectFailure, request } from './support.js';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness?.stop();
});

const sourceKey = uniqueSourceKey;

describe('Function: handler (idempotency)', () => {
  it('runs 20 concurrent identical calls once: one resize, one PutObject, the rest in progress', async () => {
    const sut = await harness.handler();
    const src = sourceKey('crowd.jpg');
    await harness.putSource(src, await makeJpeg({ width: 2400, height: 1600 }));

    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => sut.handler(request(src), lambdaContext())),
    );

    const fulfilled = results.filter((result) => result.status === 'fulfilled');
    const rejected = results.filter((result) => result.status === 'rejected');
    expect(fulfilled).toHaveLength(1);
    expect(rejected.map((result) => (result.reason as Error).name)).toEqual(
      Array(19).fill('IdempotencyAlreadyInProgressError'),
    );
    expect(sut.resizes()).toBe(1);
    expect(sut.puts()).toBe(1);
  });

  it('replays a completed call with identical data from S3, without resizing', async () => {
    const sut = await harness.handler();
    const info = vi.spyOn(sut.logger, 'info');
    const src = sourceKey('replay.jpg');
    await harness.putSource(src, await makeJpeg({ width: 1200, height: 800 }));

    const first = await sut.handler(request(src), lambdaContext());
    const second = await sut.handler(request(src), lambdaContext());

    expect(second).toEqual(first);
    expect(sut.resizes()).toBe(1);
    expect(sut.puts()).toBe(1);
    expect(info.mock.calls.map((call) => (call[1] as { outcome: string }).outcome)).toEqual([
      'executed',
      'replayed',
    ]);
    const [record] = await harness.records(sut.tableName);
    expect(record?.status).toEqual({ S: 'COMPLETED' });
    expect(JSON.stringify(record).length).toBeLessThan(2_000);
  });

  it('keeps no record after a failure, so an original uploaded after a miss gets its preview next time', async () => {
    const sut = await harness.handler();
    const src = sourceKey('late.jpg');

    expectFailure(await sut.handler(request(src), lambdaContext()), 'SOURCE_NOT_FOUND');
    expect(await harness.records(sut.tableName)).toEqual([]);

    await harness.putSource(src, await makeJpeg({ width: 640, height: 480 }));
    const response = await sut.handler(request(src), lambdaContext());
    expect(response.status).toBe(true);
    expect(sut.resizes()).toBe(1);
  });

  it('regenerates on replay when the recorded preview was deleted from S3', async () => {
    const sut = await harness.handler();
    const src = sourceKey('deleted.jpg');
    await harness.putSource(src, await makeJpeg({ width: 640, height: 480 }));
    const first = await sut.handler(request(src), lambdaContext());
    await harness.deleteObject(BUCKETS.destination, first.key);

    const second = await sut.handler(request(src), lambdaContext());

    expect(second.status).toBe(true);
    expect(Buffer.from(second.data, 'base64').length).toBeGreaterThan(0);
    expect(sut.resizes()).toBe(2);
    expect(await harness.getObject(BUCKETS.destination, first.key)).toBeDefined();
  });

  it('frees the key of a run that never finished at its function deadline, so a later call runs', async () => {
    let release = (): void => undefined;
    const stuck = new Promise<void>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    const sut = await harness.handler({
      resize: async (input, options) => {
        calls += 1;
        if (calls === 1) await stuck; // the first run hangs, as a crashed or timed-out invocation would
        return resizeImage(input, options);
      },
    });
    const src = sourceKey('stuck.jpg');
    await harness.putSource(src, await makeJpeg({ width: 640, height: 480 }));

    // A 2 s function: its S3 calls must finish by 0.5 s (FUNCTION_RESERVE_MS before the deadline), which
    // the read does; the resize then hangs past the deadline.
    const started = Date.now();
    const hung = sut.handler(request(src), lambdaContext({ timeoutMs: 2_000 }));
    await vi.waitFor(() => expect(calls).toBe(1));
    await expect(sut.handler(request(src), lambdaContext())).rejects.toMatchObject({
      name: 'IdempotencyAlreadyInProgressError',
    });
    await new Promise((resolve) => setTimeout(resolve, 2_100 - (Date.now() - started))); // past its deadline

    const response = await sut.handler(request(src), lambdaContext());

    expect(response).toMatchObject({ status: true, key: expectedKey(src) });
    expect(calls).toBe(2);
    release();
    await hung.catch(() => undefined);
  });

  it('fails open when DynamoDB is unreachable: the preview is generated anyway', async () => {
    const sut = await harness.handler({ dynamodbDown: true });
    const warn = vi.spyOn(sut.logger, 'warn');
    const src = sourceKey('no-dynamo.jpg');
    await harness.putSource(src, await makeJpeg({ width: 640, height: 480 }));

    const response = await sut.handler(request(src), lambdaContext());

    expect(response).toMatchObject({ status: true, content_type: 'image/jpeg' });
    expect(sut.resizes()).toBe(1);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('unreachable'), expect.anything());
  });
});
