/**
 * The handler's variants over the emulators: a request with `format` writes its own object next to the
 * source-format preview, with its own idempotency record; a format the preset does not list is refused
 * before anything is read; an animation beyond its limits is previewed as its first frame and the log
 * says why.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeGif, makeJpeg } from '@preview-lambda/fixtures/images';
import { BUCKETS, type Harness, lambdaContext, startHarness } from '../support/harness.js';
import { previewRequest, uniqueSourceKey } from '../support/requests.js';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness?.stop();
});

describe('Function: handler (variants)', () => {
  it('writes the AVIF variant at preset@avif with its type, beside the source-format preview, each generated once', async () => {
    const sut = await harness.handler();
    const src = uniqueSourceKey('beach.jpg');
    await harness.putSource(src, await makeJpeg({ width: 1600, height: 1200 }));
    const rest = src.slice('photo/'.length);

    const avif = await sut.handler(previewRequest(BUCKETS, src, { format: 'avif' }), lambdaContext());
    const jpeg = await sut.handler(previewRequest(BUCKETS, src), lambdaContext());
    const again = await sut.handler(previewRequest(BUCKETS, src, { format: 'avif' }), lambdaContext());

    expect(Object.keys(avif)).toEqual(['status', 'key', 'content_type', 'data', 'error']);
    expect(avif).toMatchObject({ status: true, key: `prew/small@avif/${rest}`, content_type: 'image/avif', error: '' });
    expect(jpeg).toMatchObject({ status: true, key: `prew/small/${rest}`, content_type: 'image/jpeg' });
    const stored = await harness.getObject(BUCKETS.destination, avif.key);
    expect(stored?.contentType).toBe('image/avif');
    expect(stored?.cacheControl).toBe('public, max-age=86400');
    expect(Buffer.from(avif.data, 'base64').equals(stored!.bytes)).toBe(true);
    expect(await sharp(stored!.bytes).metadata()).toMatchObject({ format: 'heif', compression: 'av1', width: 320, height: 240 });
    // The replay reads the same object back: one resize per variant.
    expect(again.data).toBe(avif.data);
    expect(sut.resizes()).toBe(2);
    expect(sut.puts()).toBe(2);
  });

  it('answers FORMAT_NOT_IN_PRESET for a format the preset does not list, reading and writing nothing', async () => {
    const sut = await harness.handler();
    const src = uniqueSourceKey('refused.jpg');
    await harness.putSource(src, await makeJpeg({ width: 800, height: 600 }));
    const before = await harness.listBucket(BUCKETS.destination);

    const medium = await sut.handler(previewRequest(BUCKETS, src, { preset_name: 'medium', width: 720, format: 'avif' }), lambdaContext());
    const large = await sut.handler(previewRequest(BUCKETS, src, { preset_name: 'large', width: 1440, format: 'webp' }), lambdaContext());
    const unknown = await sut.handler(previewRequest(BUCKETS, src, { format: 'gif' }), lambdaContext());

    expect(medium).toMatchObject({ status: false, key: '', content_type: '', data: '', code: 'FORMAT_NOT_IN_PRESET' });
    expect(medium.error).toBe('Expected one of "webp" (the formats of preset "medium") for format but received "avif"');
    expect(large).toMatchObject({ status: false, code: 'FORMAT_NOT_IN_PRESET' });
    expect(unknown).toMatchObject({ status: false, code: 'INVALID_REQUEST' });
    expect(unknown.error).toContain('Expected one of "avif", "webp" for format but received "gif"');
    expect(sut.resizes()).toBe(0);
    expect(await harness.listBucket(BUCKETS.destination)).toEqual(before);
    expect(await harness.records(sut.tableName)).toEqual([]);
  });

  it('keeps an animated GIF animated in its WebP variant and logs the frames', async () => {
    const sut = await harness.handler();
    const info = vi.spyOn(sut.logger, 'info');
    const src = uniqueSourceKey('wave.gif');
    await harness.putSource(src, await makeGif({ width: 640, height: 480, frames: 2, delays: [100, 300] }));

    const response = await sut.handler(previewRequest(BUCKETS, src, { format: 'webp' }), lambdaContext());

    expect(response).toMatchObject({ status: true, content_type: 'image/webp' });
    const metadata = await sharp(Buffer.from(response.data, 'base64')).metadata();
    expect(metadata).toMatchObject({ format: 'webp', pages: 2, delay: [100, 300], width: 320, height: 240 });
    const [, fields] = info.mock.calls[0] as [string, Record<string, unknown>];
    expect(fields).toMatchObject({ request_format: 'webp', content_type: 'image/webp', frames: 2 });
    expect(fields.first_frame_only).toBeUndefined();
  });

  it('previews an animation beyond MAX_ANIMATION_FRAMES as its first frame, and the log says why', async () => {
    const sut = await harness.handler({ env: { MAX_ANIMATION_FRAMES: '2' } });
    const info = vi.spyOn(sut.logger, 'info');
    const src = uniqueSourceKey('long.gif');
    await harness.putSource(src, await makeGif({ width: 640, height: 480, frames: 3 }));

    const response = await sut.handler(previewRequest(BUCKETS, src), lambdaContext());

    expect(response).toMatchObject({ status: true, content_type: 'image/gif' });
    expect((await sharp(Buffer.from(response.data, 'base64')).metadata()).pages ?? 1).toBe(1);
    const [, fields] = info.mock.calls[0] as [string, Record<string, unknown>];
    expect(fields).toMatchObject({ frames: 1, first_frame_only: '3 frames, more than MAX_ANIMATION_FRAMES (2)' });
  });
});
