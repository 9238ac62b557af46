import { connect } from 'node:net';
import {
  DeadlineExceededError,
  FunctionError,
  InvalidResponseError,
  InvokeFailedError,
  type PreviewResult,
  type ResizeErrorCode,
} from '@preview-lambda/invoker';
import { afterEach, describe, expect, it } from 'vitest';
import { RequestTimeoutError, StorageError } from '@preview-lambda/proxy/errors';
import { BUILT_IN_ERROR_IMAGE, BUILT_IN_NOT_FOUND_IMAGE, md5Etag } from '@preview-lambda/proxy/images';
import { resolveRequestId } from '@preview-lambda/proxy/request-id';
import {
  failedResult,
  FakeInvoker,
  FakeReader,
  gate,
  PREVIEW_BYTES,
  previewResult,
  send,
  startProxy,
  type StartProxyOptions,
  storedResult,
  type TestProxy,
  until,
} from './support.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const proxies: TestProxy[] = [];

afterEach(async () => {
  await Promise.all(proxies.splice(0).map((running) => running.proxy.close()));
});

async function start(options: StartProxyOptions = {}): Promise<TestProxy> {
  const running = await startProxy(options);
  proxies.push(running);
  return running;
}

/** The access-log line of the request with `reqId`, once it is written. */
async function accessLine(running: TestProxy, reqId: string): Promise<Record<string, unknown>> {
  await until(() => running.accessLogs().some((line) => line.reqId === reqId));
  return running.accessLogs().find((line) => line.reqId === reqId)!;
}

describe('Function: createProxyServer', () => {
  describe('generated previews', () => {
    it('answers 200 with the bytes, Content-Type, Content-Length, Cache-Control, ETag and a request id', async () => {
      const invoker = new FakeInvoker(async () => previewResult());
      const running = await start({ invoker });
      const response = await send(running.port, '/prew/small/some/file.jpg');

      expect(response.status).toBe(200);
      expect(response.body.equals(PREVIEW_BYTES)).toBe(true);
      expect(response.headers['content-type']).toBe('image/jpeg');
      expect(response.headers['content-length']).toBe(String(PREVIEW_BYTES.byteLength));
      expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
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
      expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
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

  describe('invoker failures', () => {
    it.each<[string, () => unknown, number, string]>([
      [
        'FunctionError',
        () => new FunctionError({ functionError: 'Unhandled', errorType: 'Error', errorMessage: 'boom', trace: [] }),
        502,
        'FUNCTION_ERROR',
      ],
      [
        'InvokeFailedError',
        () => new InvokeFailedError({ functionName: 'PreviewFunction', errorName: 'ResourceNotFoundException' }, 'no'),
        502,
        'INVOKE_FAILED',
      ],
      ['InvalidResponseError', () => new InvalidResponseError(['Expected JSON']), 502, 'INVALID_RESPONSE'],
      [
        'DeadlineExceededError',
        () => new DeadlineExceededError({ timeoutMs: 25_000, elapsedMs: 25_001, attempts: 3, inProgress: true }),
        504,
        'DEADLINE_EXCEEDED',
      ],
      ['an unexpected error', () => new TypeError('bug'), 500, 'INTERNAL'],
    ])('answers %s with %i and the error image', async (_what, makeError, status, code) => {
      const invoker = new FakeInvoker(async () => {
        throw makeError();
      });
      const running = await start({ invoker });
      const response = await send(running.port, '/prew/small/a.jpg', { headers: { 'X-Request-Id': 'failure' } });
      expect(response.status).toBe(status);
      expect(response.body.equals(BUILT_IN_ERROR_IMAGE.bytes)).toBe(true);
      expect(response.headers['content-type']).toBe('image/svg+xml');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['x-preview-error']).toBe(code);
      const line = await accessLine(running, 'failure');
      expect(line).toMatchObject({ status, code, outcome: status === 504 ? 'timeout' : 'error' });
      expect(line.err).toBeDefined();
    });

    it('answers 503 with Retry-After when the function is throttled', async () => {
      const invoker = new FakeInvoker(async () => {
        throw new InvokeFailedError({ functionName: 'f', errorName: 'TooManyRequestsException' }, 'Rate Exceeded.');
      });
      const running = await start({ invoker });
      const response = await send(running.port, '/prew/small/a.jpg');
      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBe('1');
      expect(response.headers['x-preview-error']).toBe('THROTTLED');
    });

    it('answers 500 when the function and the proxy disagree (WIDTH_TOO_LARGE)', async () => {
      const running = await start({ invoker: new FakeInvoker(async () => failedResult('WIDTH_TOO_LARGE')) });
      const response = await send(running.port, '/prew/large/a.jpg');
      expect(response.status).toBe(500);
      expect(response.body.equals(BUILT_IN_ERROR_IMAGE.bytes)).toBe(true);
    });

    it('answers 504 instead of hanging when the invoker never settles', async () => {
      const invoker = new FakeInvoker(() => new Promise<PreviewResult>(() => undefined));
      const running = await start({ invoker, env: { REQUEST_TIMEOUT_MS: '200', INVOKE_TIMEOUT_MS: '100' } });
      const started = Date.now();
      const response = await send(running.port, '/prew/small/a.jpg', { headers: { 'X-Request-Id': 'hang' } });
      const elapsed = Date.now() - started;
      expect(response.status).toBe(504);
      expect(response.body.equals(BUILT_IN_ERROR_IMAGE.bytes)).toBe(true);
      expect(response.headers['x-preview-error']).toBe('REQUEST_TIMEOUT');
      expect(elapsed).toBeGreaterThanOrEqual(190);
      expect(elapsed).toBeLessThan(2_000);
      expect(invoker.calls[0]!.signal.aborted).toBe(true);
      expect(invoker.calls[0]!.signal.reason).toBeInstanceOf(RequestTimeoutError);
      expect(await accessLine(running, 'hang')).toMatchObject({ outcome: 'timeout', status: 504, level: 'warn' });
    });

    it('aborts the invocation and logs 499 when the client goes away', async () => {
      const invoker = new FakeInvoker(() => new Promise<PreviewResult>(() => undefined));
      const running = await start({ invoker });
      const controller = new AbortController();
      const pending = send(running.port, '/prew/small/a.jpg', {
        headers: { 'X-Request-Id': 'gone-away' },
        signal: controller.signal,
      });
      await until(() => invoker.calls.length === 1);
      controller.abort();
      await expect(pending).rejects.toThrow();
      const line = await accessLine(running, 'gone-away');
      expect(line).toMatchObject({ outcome: 'aborted', status: 499, code: 'CLIENT_CLOSED' });
      expect(invoker.calls[0]!.signal.aborted).toBe(true);
      expect(running.proxy.inFlight).toBe(0);
    });
  });

  describe('invalid requests', () => {
    it.each([
      ['an encoded slash', '/prew/small/a%2Fb.jpg'],
      ['a ".." segment', '/prew/small/../secret.jpg'],
      ['an encoded ".." segment', '/prew/small/%2e%2e/secret.jpg'],
      ['an encoded NUL', '/prew/small/a%00.jpg'],
      ['a backslash', '/prew/small/a\\b.jpg'],
      ['an empty segment', '/prew/small//a.jpg'],
      ['bad percent-encoding', '/prew/small/a%zz.jpg'],
      ['invalid UTF-8', '/prew/small/%C3%28.jpg'],
      ['an over-long path', `/prew/small/${'a'.repeat(1100)}`],
    ])('answers %s with 400 without invoking', async (_what, path) => {
      const invoker = new FakeInvoker(async () => previewResult());
      const running = await start({ invoker });
      const response = await send(running.port, path, { headers: { 'X-Request-Id': 'bad' } });
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body.toString()).toMatch(/^Bad Request: .+\n$/);
      expect(invoker.calls).toHaveLength(0);
      expect(await accessLine(running, 'bad')).toMatchObject({ outcome: 'invalid', status: 400, code: 'INVALID_PATH' });
    });

    it('answers a request line Node cannot parse with 400 and logs it', async () => {
      const running = await start();
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(running.port, '127.0.0.1', () => socket.write('GET /prew/small/a b c HTTP/1.1\r\n\r\n'));
        let data = '';
        socket.on('data', (chunk) => (data += chunk.toString()));
        socket.on('close', () => resolve(data));
        socket.on('error', reject);
      });
      expect(raw).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      await until(() => running.logs.some((line) => line.msg === 'request' && line.status === 400));
    });

    it.each(['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'])('answers %s with 405 and Allow: GET, HEAD', async (method) => {
      const invoker = new FakeInvoker(async () => previewResult());
      const running = await start({ invoker });
      for (const path of ['/prew/small/a.jpg', '/healthz']) {
        const response = await send(running.port, path, { method });
        expect(response.status).toBe(405);
        expect(response.headers.allow).toBe('GET, HEAD');
      }
      expect(invoker.calls).toHaveLength(0);
    });
  });

  describe('bounded work', () => {
    it('answers 503 with Retry-After beyond MAX_IN_FLIGHT, and recovers', async () => {
      const release = gate();
      const invoker = new FakeInvoker(async () => {
        await release.opened;
        return previewResult();
      });
      const running = await start({ invoker, env: { MAX_IN_FLIGHT: '2' } });
      const first = send(running.port, '/prew/small/1.jpg');
      const second = send(running.port, '/prew/small/2.jpg');
      await until(() => running.proxy.inFlight === 2);

      const third = await send(running.port, '/prew/small/3.jpg', { headers: { 'X-Request-Id': 'third' } });
      expect(third.status).toBe(503);
      expect(third.headers['retry-after']).toBe('1');
      expect(third.body.equals(BUILT_IN_ERROR_IMAGE.bytes)).toBe(true);
      expect(third.headers['x-preview-error']).toBe('OVERLOADED');
      expect(await accessLine(running, 'third')).toMatchObject({ outcome: 'overloaded', status: 503 });
      // Health checks and non-preview requests are not counted.
      expect((await send(running.port, '/healthz')).status).toBe(200);

      release.open();
      expect((await first).status).toBe(200);
      expect((await second).status).toBe(200);
      await until(() => running.proxy.inFlight === 0);
      expect((await send(running.port, '/prew/small/4.jpg')).status).toBe(200);
      expect(invoker.calls).toHaveLength(3);
    });
  });

  describe('health', () => {
    it('answers /healthz with 200 {"status":"ok"}', async () => {
      const running = await start();
      const response = await send(running.port, '/healthz');
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('application/json');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(JSON.parse(response.body.toString())).toEqual({ status: 'ok' });
      const head = await send(running.port, '/healthz', { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.body.byteLength).toBe(0);
    });

    it('logs health checks at debug level', async () => {
      const running = await start();
      await send(running.port, '/healthz', { headers: { 'X-Request-Id': 'probe' } });
      expect(await accessLine(running, 'probe')).toMatchObject({ level: 'debug', outcome: 'health', status: 200 });
    });
  });

  describe('graceful shutdown', () => {
    it('lets a request in flight finish, refuses new connections and answers 503 on open ones', async () => {
      const release = gate();
      const invoker = new FakeInvoker(async () => {
        await release.opened;
        return previewResult();
      });
      const running = await start({ invoker });
      const slow = send(running.port, '/prew/small/slow.jpg');
      await until(() => invoker.calls.length === 1);

      // A connection that has started sending a health check before the shutdown: not idle, so kept.
      const socket = connect(running.port, '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      let health = '';
      socket.on('data', (chunk) => (health += chunk.toString()));
      const healthDone = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.write('GET /healthz HTTP/1.1\r\nHost: proxy\r\n');
      await new Promise((resolve) => setTimeout(resolve, 50));

      const closed = running.proxy.close();
      expect(running.proxy.closing).toBe(true);
      await expect(send(running.port, '/healthz')).rejects.toMatchObject({ code: 'ECONNREFUSED' });

      socket.write('\r\n');
      await healthDone;
      expect(health).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
      expect(health).toMatch(/\r\nconnection: close\r\n/i);
      expect(health).toContain('{"status":"shutting-down"}');

      release.open();
      const response = await slow;
      expect(response.status).toBe(200);
      expect(response.body.equals(PREVIEW_BYTES)).toBe(true);
      expect(await closed).toEqual({ forced: false });
    });

    it('closes idle keep-alive connections at once', async () => {
      const running = await start();
      const socket = connect(running.port, '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      const closedSocket = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.write('GET /healthz HTTP/1.1\r\nHost: proxy\r\n\r\n');
      await new Promise<void>((resolve) => socket.once('data', () => resolve()));
      const started = Date.now();
      expect(await running.proxy.close()).toEqual({ forced: false });
      await closedSocket;
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it('answers 503 to a preview request that arrives on an open connection while closing', async () => {
      const invoker = new FakeInvoker(async () => previewResult());
      const running = await start({ invoker });
      const socket = connect(running.port, '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk.toString()));
      const done = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.write('GET /prew/small/a.jpg HTTP/1.1\r\nHost: proxy\r\n');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const closed = running.proxy.close();
      socket.write('\r\n');
      await done;
      expect(answer).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
      expect(answer).toMatch(/\r\nretry-after: 1\r\n/i);
      expect(answer).toMatch(/\r\nx-preview-error: SHUTTING_DOWN\r\n/i);
      expect(invoker.calls).toHaveLength(0);
      expect(await closed).toEqual({ forced: false });
    });

    it('is idempotent', async () => {
      const running = await start();
      const first = running.proxy.close();
      expect(running.proxy.close()).toBe(first);
      await first;
    });
  });

  describe('access log', () => {
    it('writes one JSON line per request with every field', async () => {
      const invoker = new FakeInvoker(async () => previewResult());
      const running = await start({ invoker });
      await send(running.port, '/prew/small/some/file.jpg?cache=bust', { headers: { 'X-Request-Id': 'req-42.a_b:c' } });
      const line = await accessLine(running, 'req-42.a_b:c');
      expect(line).toEqual({
        level: 'info',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        service: 'preview-proxy',
        msg: 'request',
        reqId: 'req-42.a_b:c',
        method: 'GET',
        path: '/prew/small/some/file.jpg',
        status: 200,
        bytes: PREVIEW_BYTES.byteLength,
        durationMs: expect.any(Number),
        preset: 'small',
        key: 'prew/small/some/file.jpg',
        outcome: 'generated',
        attempts: 1,
      });
      expect(running.accessLogs()).toHaveLength(1);
    });

    it('echoes a sane X-Request-Id and replaces one that is not', async () => {
      const running = await start({ generateRequestId: () => 'generated-id' });
      const sane = await send(running.port, '/healthz', { headers: { 'X-Request-Id': 'abc-123' } });
      expect(sane.headers['x-request-id']).toBe('abc-123');
      const insane = await send(running.port, '/healthz', { headers: { 'X-Request-Id': `${'x'.repeat(200)}` } });
      expect(insane.headers['x-request-id']).toBe('generated-id');
      const injected = await send(running.port, '/healthz', { headers: { 'X-Request-Id': 'a"}{"b' } });
      expect(injected.headers['x-request-id']).toBe('generated-id');
    });

    it('logs the code and reason of a not-found original', async () => {
      const invoker = new FakeInvoker(async () =>
        failedResult('SOURCE_NOT_FOUND', 'File photo/x.jpg not exists in originals-bucket'),
      );
      const running = await start({ invoker });
      await send(running.port, '/prew/small/x.jpg', { method: 'HEAD', headers: { 'X-Request-Id': 'nf' } });
      expect(await accessLine(running, 'nf')).toMatchObject({
        level: 'info',
        method: 'HEAD',
        status: 404,
        bytes: 0,
        outcome: 'not-found',
        code: 'SOURCE_NOT_FOUND',
        reason: 'File photo/x.jpg not exists in originals-bucket',
      });
    });
  });
});

describe('Function: resolveRequestId', () => {
  it('keeps a sane id and generates otherwise', () => {
    const generate = () => 'new';
    expect(resolveRequestId('0123456789abcdef0123456789abcdef', generate)).toBe('0123456789abcdef0123456789abcdef');
    expect(resolveRequestId(undefined, generate)).toBe('new');
    expect(resolveRequestId('', generate)).toBe('new');
    expect(resolveRequestId('a b', generate)).toBe('new');
    expect(resolveRequestId('a, b', generate)).toBe('new');
    expect(resolveRequestId(['a', 'b'], generate)).toBe('new');
    expect(resolveRequestId('x'.repeat(129), generate)).toBe('new');
  });

  it('generates UUIDs by default', () => {
    expect(resolveRequestId(undefined)).toMatch(UUID);
  });
});
