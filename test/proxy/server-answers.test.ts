import { type ResizeErrorCode } from '@preview-lambda/invoker';
import { describe, expect, it } from 'vitest';
import { StorageError } from '@preview-lambda/proxy/errors';
import { BUILT_IN_ERROR_IMAGE, BUILT_IN_NOT_FOUND_IMAGE, md5Etag } from '@preview-lambda/proxy/images';
import { failedResult, FakeInvoker, FakeReader, gate, PREVIEW_BYTES, previewResult, send, storedResult, until } from './support.js';
import { accessLine, start, UUID } from './server-support.js';

describe('Function: createProxyServer (answers)', () => {
  describe('generated previews', () => {
    it('answers 200 with the bytes, Content-Type, Content-Length, Cache-Control, ETag and a request id', async () => {
      const invoker = new FakeInvoker(async () => previewResult());
      const running = await start({ invoker });
      const response = await send(running.port, '/prew/small/some/file.jpg');

      expect(response.status).toBe(200);
      expect(response.body.equals(PREVIEW_BYTES)).toBe(true);
      expect(response.headers['content-type']).toBe('image/jpeg');
      expect(response.headers['content-length']).toBe(String(PREVIEW_BYTES.byteLength));
      expect(response.headers['cache-control']).toBe('public, max-age=86400');
      expect(response.headers.etag).toBe(md5Etag(PREVIEW_BYTES));
      expect(response.headers['x-request-id']).toMatch(UUID);
      expect(invoker.calls).toHaveLength(1);
      expect(invoker.calls[0]!.request).toEqual({
        src_key: 'photo/some/file.jpg',
        src_bucket: 'originals-bucket',
        dst_bucket: 'previews-bucket',
        root_folder: 'prew',
        preset_name: 'small',
        rewrite_part: 'photo',
        width: 320,
      });
      expect(invoker.calls[0]!.signal).toBeInstanceOf(AbortSignal);
    });

    it('answers HEAD with the same headers and no body, still generating', async () => {
      const invoker = new FakeInvoker(async () => previewResult());
      const running = await start({ invoker });
      const response = await send(running.port, '/prew/large/a.jpg', { method: 'HEAD' });

      expect(response.status).toBe(200);
      expect(response.body.byteLength).toBe(0);
      expect(response.headers['content-length']).toBe(String(PREVIEW_BYTES.byteLength));
      expect(response.headers['content-type']).toBe('image/jpeg');
      expect(response.headers.etag).toBe(md5Etag(PREVIEW_BYTES));
      expect(invoker.calls).toHaveLength(1);
      expect(invoker.calls[0]!.request.width).toBe(1440);
    });

    it('ignores the query string', async () => {
      const invoker = new FakeInvoker(async () => previewResult());
      const running = await start({ invoker });
      expect((await send(running.port, '/prew/small/a.jpg?v=2')).status).toBe(200);
      expect(invoker.calls[0]!.request.src_key).toBe('photo/a.jpg');
    });

    it('serves percent-encoded unicode paths', async () => {
      const invoker = new FakeInvoker(async () => previewResult());
      const running = await start({ invoker });
      expect((await send(running.port, '/prew/small/%C3%A9t%C3%A9/caf%C3%A9%201.jpg')).status).toBe(200);
      expect(invoker.calls[0]!.request.src_key).toBe('photo/été/café 1.jpg');
    });

    it('passes 10 concurrent identical requests to the invoker as the same canonical request', async () => {
      const release = gate();
      const invoker = new FakeInvoker(async () => {
        await release.opened;
        return previewResult();
      });
      const running = await start({ invoker });
      const responses = Promise.all(
        Array.from({ length: 10 }, (_, index) => send(running.port, `/prew/small/same.jpg?n=${index}`)),
      );
      await until(() => invoker.calls.length === 10);
      release.open();
      for (const response of await responses) {
        expect(response.status).toBe(200);
        expect(response.body.equals(PREVIEW_BYTES)).toBe(true);
      }
      const [first, ...others] = invoker.calls.map((call) => call.request);
      for (const other of others) expect(other).toEqual(first);
    });
  });

  describe('stored previews', () => {
    const big = Buffer.from(Array.from({ length: 1000 }, (_, index) => index % 251));

    it('streams a key-only result from the destination bucket with S3 headers', async () => {
      const reader = new FakeReader().put('previews-bucket', 'prew/small/big.png', big, 'image/png', '"s3-etag"');
      const invoker = new FakeInvoker(async () => storedResult('prew/small/big.png', 'image/jpeg'));
      const running = await start({ invoker, storage: reader });
      const response = await send(running.port, '/prew/small/big.png', { headers: { 'X-Request-Id': 'stored-1' } });

      expect(response.status).toBe(200);
      expect(response.body.equals(big)).toBe(true);
      expect(response.headers['content-type']).toBe('image/png');
      expect(response.headers['content-length']).toBe('1000');
      expect(response.headers.etag).toBe('"s3-etag"');
      expect(response.headers['cache-control']).toBe('public, max-age=86400');
      expect(reader.calls).toEqual([{ op: 'open', bucket: 'previews-bucket', key: 'prew/small/big.png' }]);
      expect(await accessLine(running, 'stored-1')).toMatchObject({ outcome: 'stored', status: 200, bytes: 1000 });
    });

    it('reads the key the function reports', async () => {
      const reader = new FakeReader().put('previews-bucket', 'prew/small/elsewhere.png', big, 'image/png');
      const invoker = new FakeInvoker(async () => storedResult('prew/small/elsewhere.png'));
      const running = await start({ invoker, storage: reader });
      const response = await send(running.port, '/prew/small/big.png', { headers: { 'X-Request-Id': 'moved' } });
      expect(response.status).toBe(200);
      expect(reader.calls).toEqual([{ op: 'open', bucket: 'previews-bucket', key: 'prew/small/elsewhere.png' }]);
      expect(await accessLine(running, 'moved')).toMatchObject({ key: 'prew/small/elsewhere.png' });
    });

    it('falls back to the result content type when S3 has none', async () => {
      const reader = new FakeReader().put('previews-bucket', 'prew/small/big.jpg', big);
      const invoker = new FakeInvoker(async () => storedResult('prew/small/big.jpg', 'image/jpeg'));
      const running = await start({ invoker, storage: reader });
      const response = await send(running.port, '/prew/small/big.jpg');
      expect(response.headers['content-type']).toBe('image/jpeg');
      expect(response.headers.etag).toBeUndefined();
    });

    it('answers HEAD from the object metadata without reading the body', async () => {
      const reader = new FakeReader().put('previews-bucket', 'prew/small/big.png', big, 'image/png', '"s3-etag"');
      const invoker = new FakeInvoker(async () => storedResult('prew/small/big.png'));
      const running = await start({ invoker, storage: reader });
      const response = await send(running.port, '/prew/small/big.png', { method: 'HEAD' });
      expect(response.status).toBe(200);
      expect(response.body.byteLength).toBe(0);
      expect(response.headers['content-length']).toBe('1000');
      expect(response.headers.etag).toBe('"s3-etag"');
      expect(reader.calls.map((call) => call.op)).toEqual(['stat']);
    });

    it('answers 502 with the error image when the stored preview is missing', async () => {
      const invoker = new FakeInvoker(async () => storedResult('prew/small/gone.png'));
      const running = await start({ invoker, storage: new FakeReader() });
      const response = await send(running.port, '/prew/small/gone.png', { headers: { 'X-Request-Id': 'gone' } });
      expect(response.status).toBe(502);
      expect(response.body.equals(BUILT_IN_ERROR_IMAGE.bytes)).toBe(true);
      expect(response.headers['x-preview-error']).toBe('STORED_PREVIEW_MISSING');
      expect(await accessLine(running, 'gone')).toMatchObject({ outcome: 'error', level: 'error', status: 502 });
    });

    it('answers 502 when S3 fails', async () => {
      const reader = new FakeReader();
      reader.open = async (bucket, key) => {
        throw new StorageError({ bucket, key, errorName: 'AccessDenied', httpStatusCode: 403 }, 'Access Denied');
      };
      const invoker = new FakeInvoker(async () => storedResult('prew/small/x.png'));
      const running = await start({ invoker, storage: reader });
      const response = await send(running.port, '/prew/small/x.png');
      expect(response.status).toBe(502);
      expect(response.headers['x-preview-error']).toBe('STORAGE_FAILED');
    });

    it('cuts a stream that outlives REQUEST_TIMEOUT_MS instead of hanging', async () => {
      const reader = new FakeReader().put('previews-bucket', 'prew/small/slow.png', big, 'image/png');
      reader.chunkSize = 100;
      reader.chunkDelayMs = 60;
      const invoker = new FakeInvoker(async () => storedResult('prew/small/slow.png'));
      const running = await start({
        invoker,
        storage: reader,
        env: { REQUEST_TIMEOUT_MS: '250', INVOKE_TIMEOUT_MS: '200' },
      });
      const started = Date.now();
      await expect(
        send(running.port, '/prew/small/slow.png', { headers: { 'X-Request-Id': 'slow-stream' } }),
      ).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(2_000);
      const line = await accessLine(running, 'slow-stream');
      expect(line).toMatchObject({ outcome: 'timeout', status: 200, code: 'REQUEST_TIMEOUT' });
      expect(line.bytes).toBeLessThan(1000);
    });

    it('writes one access line, and no client-error line, when a stream is cut mid-way', async () => {
      const reader = new FakeReader().put('previews-bucket', 'prew/small/slow.png', big, 'image/png');
      reader.chunkSize = 100;
      reader.chunkDelayMs = 60;
      const invoker = new FakeInvoker(async () => storedResult('prew/small/slow.png'));
      const running = await start({
        invoker,
        storage: reader,
        env: { REQUEST_TIMEOUT_MS: '250', INVOKE_TIMEOUT_MS: '200' },
      });
      await expect(
        send(running.port, '/prew/small/slow.png', { headers: { 'X-Request-Id': 'cut-once' } }),
      ).rejects.toThrow();
      await accessLine(running, 'cut-once');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(running.accessLogs()).toEqual([
        expect.objectContaining({ reqId: 'cut-once', outcome: 'timeout', status: 200, code: 'REQUEST_TIMEOUT' }),
      ]);
    });
  });

  describe('not found', () => {
    it('answers a missing original (SOURCE_NOT_FOUND) with 404 and the not-found image', async () => {
      const invoker = new FakeInvoker(async () => failedResult('SOURCE_NOT_FOUND'));
      const running = await start({ invoker });
      const response = await send(running.port, '/prew/small/missing.jpg');
      expect(response.status).toBe(404);
      expect(response.body.equals(BUILT_IN_NOT_FOUND_IMAGE.bytes)).toBe(true);
      expect(response.headers['content-type']).toBe('image/svg+xml');
      expect(response.headers['content-length']).toBe(String(BUILT_IN_NOT_FOUND_IMAGE.bytes.byteLength));
      expect(response.headers['cache-control']).toBe('public, max-age=60');
      expect(response.headers['x-preview-error']).toBe('SOURCE_NOT_FOUND');
    });

    it.each<ResizeErrorCode>(['NOT_AN_IMAGE', 'CORRUPT_IMAGE', 'TOO_MANY_PIXELS', 'SOURCE_TOO_LARGE'])(
      'answers an unusable original (%s) with 404 and the not-found image',
      async (code) => {
        const running = await start({ invoker: new FakeInvoker(async () => failedResult(code)) });
        const response = await send(running.port, '/prew/small/notes.jpg');
        expect(response.status).toBe(404);
        expect(response.body.equals(BUILT_IN_NOT_FOUND_IMAGE.bytes)).toBe(true);
        expect(response.headers['x-preview-error']).toBe(code);
      },
    );

    it('answers an unknown preset with 404 and the not-found image, without invoking', async () => {
      const invoker = new FakeInvoker(async () => previewResult());
      const running = await start({ invoker });
      const response = await send(running.port, '/prew/huge/a.jpg', { headers: { 'X-Request-Id': 'huge' } });
      expect(response.status).toBe(404);
      expect(response.body.equals(BUILT_IN_NOT_FOUND_IMAGE.bytes)).toBe(true);
      expect(response.headers['x-preview-error']).toBe('UNKNOWN_PRESET');
      expect(invoker.calls).toHaveLength(0);
      expect(await accessLine(running, 'huge')).toMatchObject({ outcome: 'not-found', preset: 'huge', status: 404 });
    });

    it('answers HEAD for an unknown preset without a body', async () => {
      const running = await start();
      const response = await send(running.port, '/prew/huge/a.jpg', { method: 'HEAD' });
      expect(response.status).toBe(404);
      expect(response.body.byteLength).toBe(0);
      expect(response.headers['content-length']).toBe(String(BUILT_IN_NOT_FOUND_IMAGE.bytes.byteLength));
    });

    it.each(['/', '/photo/a.jpg', '/prewx/small/a.jpg', '/favicon.ico'])(
      'answers %s, outside the preview root, with a plain 404',
      async (path) => {
        const invoker = new FakeInvoker(async () => previewResult());
        const running = await start({ invoker });
        const response = await send(running.port, path);
        expect(response.status).toBe(404);
        expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
        expect(response.body.toString()).toBe('Not Found\n');
        expect(invoker.calls).toHaveLength(0);
      },
    );

    it('serves custom images from NOT_FOUND_IMAGE', async () => {
      const { writeFile, mkdtemp, rm } = await import('node:fs/promises');
      const { tmpdir } = await import('node:os');
      const { join } = await import('node:path');
      const directory = await mkdtemp(join(tmpdir(), 'proxy-images-'));
      try {
        const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
        await writeFile(join(directory, '404.png'), png);
        const running = await start({ env: { NOT_FOUND_IMAGE: join(directory, '404.png') } });
        const response = await send(running.port, '/prew/huge/a.jpg');
        expect(response.headers['content-type']).toBe('image/png');
        expect(response.body.equals(png)).toBe(true);
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    });
  });
});
