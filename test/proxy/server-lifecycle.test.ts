import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { resolveRequestId } from '@preview-lambda/proxy/request-id';
import { failedResult, FakeInvoker, gate, PREVIEW_BYTES, previewResult, send, until } from './support.js';
import { accessLine, start, UUID } from './server-support.js';

describe('Function: createProxyServer (health, shutdown, access log)', () => {
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
