/**
 * The fault proxy itself (`test/support/fault-proxy.ts`), between a raw HTTP client and a scripted server
 * that records what reaches it: each fault does what the scenarios rely on, on both sides.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dynamodbOperation, type FaultProxy, matching, startFaultProxy } from '../support/fault-proxy.js';

/** What the scripted server received: one entry per request, `complete: false` when its body was cut short. */
interface Received {
  readonly method: string;
  readonly path: string;
  readonly body: Buffer;
  readonly complete: boolean;
}

const BODY = Buffer.from(Array.from({ length: 1000 }, (_, index) => index % 251));

let server: Server;
let target: string;
const received: Received[] = [];

beforeAll(async () => {
  // Answers every request with BODY (Content-Length 1000) once the request body has arrived whole.
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('close', () => {
      const body = Buffer.concat(chunks);
      const expected = Number(request.headers['content-length'] ?? 0);
      const complete = body.length === expected;
      received.push({ method: request.method ?? '', path: request.url ?? '', body, complete });
    });
    request.on('end', () => {
      response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': BODY.length });
      response.end(BODY);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const proxies: FaultProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  received.length = 0;
});

async function proxy(): Promise<FaultProxy> {
  const started = await startFaultProxy(target);
  proxies.push(started);
  return started;
}

/** What a client got: the answer, or the error that ended it and the body bytes read until then. */
interface Outcome {
  readonly status?: number;
  readonly contentLength?: string;
  readonly body: Buffer;
  readonly error?: string;
  readonly ms: number;
}

/** A request {@link call} sends. */
interface Call {
  readonly method?: string;
  readonly path?: string;
  readonly body?: Buffer;
  readonly headers?: Record<string, string>;
  readonly timeoutMs?: number;
}

/** One request on its own connection; gives up after `timeoutMs` (`error: 'gave up'`). */
function call(url: string, options: Call = {}): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let status: number | undefined;
    let contentLength: string | undefined;
    const done = (error?: string): void => {
      const ms = performance.now() - started;
      resolve({ status, contentLength, body: Buffer.concat(chunks), ms, ...(error === undefined ? {} : { error }) });
    };
    const request = httpRequest(`${url}${options.path ?? '/object'}`, {
      method: options.method ?? 'GET',
      headers: { ...options.headers, ...(options.body === undefined ? {} : { 'Content-Length': options.body.length }) },
      agent: false,
      signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
    });
    request.on('response', (response) => {
      status = response.statusCode;
      contentLength = response.headers['content-length'];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => done());
      response.on('error', (error) => done(error.message));
    });
    request.on('error', (error) => done(error.name === 'AbortError' ? 'gave up' : error.message));
    request.end(options.body);
  });
}

describe('Function: startFaultProxy', () => {
  it('passes requests and answers through unchanged when no rule matches', async () => {
    const faults = await proxy();

    const outcome = await call(faults.url, { method: 'PUT', path: '/bucket/key?x-id=PutObject', body: BODY });

    expect(outcome).toMatchObject({ status: 200, contentLength: '1000' });
    expect(outcome.body.equals(BODY)).toBe(true);
    expect(received).toEqual([{ method: 'PUT', path: '/bucket/key?x-id=PutObject', body: BODY, complete: true }]);
    expect(faults.requests.map((seen) => [seen.method, seen.path, seen.fault])).toEqual([
      ['PUT', '/bucket/key?x-id=PutObject', 'pass'],
    ]);
  });

  it('hang: accepts the request and never answers, nothing reaches the server', async () => {
    const faults = await proxy();
    faults.inject({ kind: 'hang' });

    const outcome = await call(faults.url, { timeoutMs: 300 });

    expect(outcome).toMatchObject({ error: 'gave up', status: undefined });
    expect(received).toEqual([]);
  });

  it('status: answers at once with the given status and body, nothing reaches the server', async () => {
    const faults = await proxy();
    faults.inject({ kind: 'status', status: 503, body: '<Error><Code>SlowDown</Code></Error>' });

    const outcome = await call(faults.url);

    expect(outcome.status).toBe(503);
    expect(outcome.body.toString()).toBe('<Error><Code>SlowDown</Code></Error>');
    expect(received).toEqual([]);
  });

  it('drop: closes the connection without an answer, before or after the server got the request', async () => {
    const faults = await proxy();
    faults.inject({ kind: 'drop' }, { times: 1 });
    faults.inject({ kind: 'drop', afterForwarding: true }, { times: 1 });

    const before = await call(faults.url, { method: 'PUT', body: BODY });
    expect(before).toMatchObject({ error: 'socket hang up', status: undefined });
    expect(received).toEqual([]);

    const after = await call(faults.url, { method: 'PUT', body: BODY });
    expect(after).toMatchObject({ error: 'socket hang up', status: undefined });
    expect(received).toMatchObject([{ method: 'PUT', complete: true }]);
  });

  it('cut-request: the server gets the first bytes of the body and a close, the client no answer', async () => {
    const faults = await proxy();
    faults.inject({ kind: 'cut-request', afterBytes: 100 });

    const outcome = await call(faults.url, { method: 'PUT', body: BODY });

    expect(outcome.status).toBeUndefined();
    expect(outcome.error).toBeDefined();
    await expect.poll(() => received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'PUT', complete: false });
    expect(received[0]!.body.equals(BODY.subarray(0, 100))).toBe(true);
  });

  it('cut-response: the client gets the status, headers and the first bytes of the body, then a close', async () => {
    const faults = await proxy();
    faults.inject({ kind: 'cut-response', afterBytes: 100 });

    const outcome = await call(faults.url);

    expect(outcome).toMatchObject({ status: 200, contentLength: '1000', error: 'aborted' });
    expect(outcome.body.equals(BODY.subarray(0, 100))).toBe(true);
  });

  it('delay and trickle: the whole answer, later or in small pieces over time', async () => {
    const faults = await proxy();
    faults.inject({ kind: 'delay', ms: 200 }, { times: 1 });
    faults.inject({ kind: 'trickle', bytes: 100, everyMs: 30 }, { times: 1 });

    const delayed = await call(faults.url);
    const trickled = await call(faults.url);

    for (const outcome of [delayed, trickled]) {
      expect(outcome).toMatchObject({ status: 200 });
      expect(outcome.body.equals(BODY)).toBe(true);
    }
    expect(delayed.ms).toBeGreaterThanOrEqual(190);
    expect(trickled.ms).toBeGreaterThanOrEqual(9 * 30 - 10); // ten pieces, nine waits between them
  });

  it('matches rules in order by method, path and header, for a number of times, until cleared', async () => {
    const faults = await proxy();
    faults.inject({ kind: 'status', status: 500 }, { match: dynamodbOperation('PutItem'), times: 1 });
    faults.inject({ kind: 'status', status: 503 }, { match: matching({ method: 'GET', path: /\/photo\/.*\.jpg/ }) });
    const putItem = { method: 'POST', path: '/', headers: { 'X-Amz-Target': 'DynamoDB_20120810.PutItem' }, body: BODY };

    expect((await call(faults.url, putItem)).status).toBe(500);
    expect((await call(faults.url, putItem)).status).toBe(200); // used up
    const getItem = { ...putItem, headers: { 'X-Amz-Target': 'DynamoDB_20120810.GetItem' } };
    expect((await call(faults.url, getItem)).status).toBe(200);
    expect((await call(faults.url, { path: '/bucket/photo/a.jpg' })).status).toBe(503);
    expect((await call(faults.url, { path: '/bucket/photo/a.jpg' })).status).toBe(503);
    expect((await call(faults.url, { path: '/bucket/prew/a.png' })).status).toBe(200);
    faults.clear();
    expect((await call(faults.url, { path: '/bucket/photo/a.jpg' })).status).toBe(200);

    expect(faults.requests.map((seen) => seen.fault)).toEqual([
      'status', 'pass', 'pass', 'status', 'status', 'pass', 'pass',
    ]);
  });

  it('closes held connections when it closes', async () => {
    const faults = await proxy();
    faults.inject({ kind: 'hang' });
    const pending = call(faults.url, { timeoutMs: 5_000 });
    await expect.poll(() => faults.requests.length).toBe(1);

    await faults.close();

    expect(await pending).toMatchObject({ error: 'socket hang up' });
  });
});
