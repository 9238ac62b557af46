/**
 * The proxy's variants: the one Accept rule picks the format the function is asked for (the variant
 * nginx looks for in S3 next time), `Vary: Accept` where the answer depends on it, and variant URLs.
 */
import { describe, expect, it } from 'vitest';
import { FakeInvoker, previewResult, send } from './support.js';
import { start } from './server-support.js';

const env = { PRESETS: 'small=320;avif;webp,large=1440' };
const CHROME = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';

describe('Function: createProxyServer (variants)', () => {
  it('asks the function for the AVIF variant when Accept names it, and answers its type with Vary: Accept', async () => {
    const invoker = new FakeInvoker(async () => previewResult(undefined, 'image/avif', 'prew/small@avif/a.jpg'));
    const running = await start({ invoker, env });

    const response = await send(running.port, '/prew/small/a.jpg', { headers: { Accept: CHROME } });

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('image/avif');
    expect(response.headers.vary).toBe('Accept');
    expect(invoker.calls[0]!.request).toMatchObject({ preset_name: 'small', width: 320, format: 'avif' });
  });

  it('follows FORMAT_ORDER between two formats the client accepts', async () => {
    const invoker = new FakeInvoker(async () => previewResult(undefined, 'image/webp'));
    const running = await start({ invoker, env: { ...env, FORMAT_ORDER: 'webp,avif' } });

    await send(running.port, '/prew/small/a.jpg', { headers: { Accept: CHROME } });

    expect(invoker.calls[0]!.request.format).toBe('webp');
  });

  it('asks for the source format (the Go payload) when Accept names no modern format, still with Vary', async () => {
    const invoker = new FakeInvoker(async () => previewResult());
    const running = await start({ invoker, env });

    const jpeg = await send(running.port, '/prew/small/a.jpg', { headers: { Accept: 'image/jpeg' } });
    const none = await send(running.port, '/prew/small/a.jpg');

    expect([jpeg.status, jpeg.headers.vary, none.headers.vary]).toEqual([200, 'Accept', 'Accept']);
    expect(invoker.calls.map((call) => Object.keys(call.request))).toEqual([
      ['src_key', 'src_bucket', 'dst_bucket', 'root_folder', 'preset_name', 'rewrite_part', 'width'],
      ['src_key', 'src_bucket', 'dst_bucket', 'root_folder', 'preset_name', 'rewrite_part', 'width'],
    ]);
  });

  it('sends no Vary for a preset without formats', async () => {
    const invoker = new FakeInvoker(async () => previewResult());
    const running = await start({ invoker, env });

    const response = await send(running.port, '/prew/large/a.jpg', { headers: { Accept: CHROME } });

    expect(response.headers.vary).toBeUndefined();
    expect(invoker.calls[0]!.request.format).toBeUndefined();
  });

  it('serves a variant named in the URL whatever Accept says, without Vary', async () => {
    const invoker = new FakeInvoker(async () => previewResult(undefined, 'image/webp'));
    const running = await start({ invoker, env });

    const response = await send(running.port, '/prew/small@webp/a.jpg', { headers: { Accept: 'image/jpeg' } });

    expect(response.status).toBe(200);
    expect(response.headers.vary).toBeUndefined();
    expect(invoker.calls[0]!.request.format).toBe('webp');
  });

  it('answers a variant the preset does not offer with the 404 image, invoking nothing', async () => {
    const invoker = new FakeInvoker(async () => previewResult());
    const running = await start({ invoker, env });

    for (const path of ['/prew/large@avif/a.jpg', '/prew/small@gif/a.jpg']) {
      const response = await send(running.port, path);
      expect([path, response.status, response.headers['x-preview-error']]).toEqual([path, 404, 'UNKNOWN_PRESET']);
    }
    expect(invoker.calls).toHaveLength(0);
  });
});
