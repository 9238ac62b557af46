import { connect } from 'node:net';
import { DeadlineExceededError, FunctionError, InvalidResponseError, InvokeFailedError, type PreviewResult } from '@preview-lambda/invoker';
import { describe, expect, it } from 'vitest';
import { RequestTimeoutError } from '@preview-lambda/proxy/errors';
import { BUILT_IN_ERROR_IMAGE } from '@preview-lambda/proxy/images';
import { failedResult, FakeInvoker, gate, previewResult, send, until } from './support.js';
import { accessLine, start } from './server-support.js';

describe('Function: createProxyServer (failures)', () => {
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
});
