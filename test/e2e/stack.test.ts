/**
 * The whole stack on loopback, as `npm start` runs it: nginx in front of the S3 emulator and the proxy,
 * the proxy invoking the real handler pipeline (counting resizes and writes) through the local Lambda
 * endpoint. One stack for the file; the proxy is stopped by the last test.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg } from '@preview-lambda/fixtures/images';
import { type Stack, startStack } from '@preview-lambda/local/stack';
import { accessEntry, NGINX_PATH, noteSkip, send, SKIP_WITHOUT_NGINX } from './support.js';

noteSkip('stack behind nginx');

let stack: Stack;
let prefixDir: string;
let nginxPort: number;
let original: Buffer;

/** A fresh original under `photo/<uuid>/<name>`; returns its path below the prefix. */
async function freshOriginal(name = 'photo.jpg'): Promise<string> {
  const path = `${randomUUID()}/${name}`;
  await stack.putOriginal(path, original);
  return path;
}

function snapshot() {
  return {
    resizes: stack.counters.resizes(),
    puts: stack.counters.puts(),
    invocations: stack.counters.invocations(),
    proxyRequests: stack.counters.proxyRequests(),
  };
}

function delta(before: ReturnType<typeof snapshot>) {
  const now = snapshot();
  return {
    resizes: now.resizes - before.resizes,
    puts: now.puts - before.puts,
    invocations: now.invocations - before.invocations,
    proxyRequests: now.proxyRequests - before.proxyRequests,
  };
}

describe.skipIf(SKIP_WITHOUT_NGINX)('stack: nginx → S3 / proxy → invoker → Lambda → S3 + DynamoDB', () => {
  beforeAll(async () => {
    prefixDir = await mkdtemp(join(tmpdir(), 'preview-stack-'));
    stack = await startStack({
      nginx: 'required',
      nginxPrefixDir: prefixDir,
      ...(NGINX_PATH === undefined ? {} : { nginxPath: NGINX_PATH }),
      presets: 'small=320,medium=720',
      seed: false,
      handlerEnv: { LOG_LEVEL: 'SILENT' },
    });
    nginxPort = stack.nginx!.port;
    original = await makeJpeg({ width: 1200, height: 800 });
  });

  afterAll(async () => {
    await stack?.stop();
    if (prefixDir !== undefined) await rm(prefixDir, { recursive: true, force: true });
  });

  it('generates a missing preview through the proxy, then serves it from S3 without reaching the proxy', async () => {
    const path = await freshOriginal();
    const before = snapshot();

    const first = await send(nginxPort, `/prew/small/${path}`);
    const afterFirst = delta(before);
    const second = await send(nginxPort, `/prew/small/${path}`);
    const afterSecond = delta(before);

    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('image/jpeg');
    expect(afterFirst).toEqual({ resizes: 1, puts: 1, invocations: 1, proxyRequests: 1 });
    expect(second.status).toBe(200);
    expect(second.body.equals(first.body)).toBe(true);
    expect(afterSecond).toEqual(afterFirst);
    const stored = await stack.getObject(`prew/small/${path}`);
    expect(stored?.equals(first.body)).toBe(true);

    // nginx's log says who answered: S3 missed then the proxy; then S3 alone.
    const s3 = new URL(stack.emulators.s3Endpoint).host;
    const proxy = `127.0.0.1:${stack.proxy.port}`;
    const firstEntry = await accessEntry(stack.nginx!, first.headers['x-request-id']);
    const secondEntry = await accessEntry(stack.nginx!, second.headers['x-request-id']);
    expect([firstEntry.upstreams, firstEntry.upstreamStatuses]).toEqual([[s3, proxy], [404, 200]]);
    expect([secondEntry.upstreams, secondEntry.upstreamStatuses]).toEqual([[s3], [200]]);
    // The preview from S3 carries what the handler stored with it.
    expect(second.headers['cache-control']).toBe('public, max-age=86400');
    expect(second.headers['x-amz-request-id']).toBeUndefined();
  });

  it('resizes once for 50 concurrent requests for one missing preview, and all get identical bytes', async () => {
    const path = await freshOriginal('crowd.jpg');
    const before = snapshot();
    const agent = new Agent({ keepAlive: false, maxSockets: 64 });

    const responses = await Promise.all(
      Array.from(
        { length: 50 },
        () =>
          new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
            const req = httpRequest({ host: '127.0.0.1', port: nginxPort, path: `/prew/medium/${path}`, agent }, (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (chunk: Buffer) => chunks.push(chunk));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
              res.on('error', reject);
            });
            req.on('error', reject);
            req.end();
          }),
      ),
    );
    agent.destroy();

    const counted = delta(before);
    expect(counted.resizes).toBe(1);
    expect(counted.puts).toBe(1);
    const stored = (await stack.getObject(`prew/medium/${path}`))!;
    expect(stored.byteLength).toBeGreaterThan(0);
    for (const response of responses) {
      expect(response.status).toBe(200);
      expect(response.body.equals(stored)).toBe(true);
    }
    // Requests that missed S3 reached the one proxy, whose single flight made (nearly) one invocation:
    // a request arriving after that invocation ended is replayed by the function's idempotency record.
    expect(counted.proxyRequests).toBeGreaterThanOrEqual(1);
    expect(counted.proxyRequests).toBeLessThanOrEqual(50);
    expect(counted.invocations).toBeGreaterThanOrEqual(1);
    console.info(
      `[stack] 50 concurrent: ${counted.proxyRequests} reached the proxy, ${counted.invocations} invocation(s), ` +
        `${counted.resizes} resize, ${50 - counted.proxyRequests} served by nginx from S3`,
    );
  });

  it('answers an unknown preset with the proxy\'s 404 image, invoking nothing', async () => {
    const path = await freshOriginal();
    const before = snapshot();

    const response = await send(nginxPort, `/prew/huge/${path}`);

    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toBe('image/svg+xml');
    expect(response.headers['x-preview-error']).toBe('UNKNOWN_PRESET');
    expect(delta(before)).toEqual({ resizes: 0, puts: 0, invocations: 0, proxyRequests: 1 });
  });

  it("answers a missing original with the proxy's 404 image", async () => {
    const response = await send(nginxPort, `/prew/small/${randomUUID()}/absent.jpg`);

    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toBe('image/svg+xml');
    expect(response.headers['x-preview-error']).toBe('SOURCE_NOT_FOUND');
  });

  it('serves the original at /photo/ straight from S3', async () => {
    const path = await freshOriginal();
    const before = snapshot();

    const response = await send(nginxPort, `/photo/${path}`);

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('image/jpeg');
    expect(response.body.equals(original)).toBe(true);
    expect(delta(before).proxyRequests).toBe(0);
  });

  it('finds a key with "+" and a space the same way in S3 whichever way the URL encodes them', async () => {
    const path = await freshOriginal('a+b c.jpg');
    const [folder] = path.split('/');
    const before = snapshot();

    const generated = await send(nginxPort, `/prew/small/${folder}/a+b%20c.jpg`);
    const stored = await send(nginxPort, `/prew/small/${folder}/a%2Bb%20c.jpg`);
    const photo = await send(nginxPort, `/photo/${folder}/a+b%20c.jpg`);

    expect([generated.status, stored.status, photo.status]).toEqual([200, 200, 200]);
    expect(stored.body.equals(generated.body)).toBe(true);
    expect(photo.body.equals(original)).toBe(true);
    expect(delta(before)).toEqual({ resizes: 1, puts: 1, invocations: 1, proxyRequests: 1 });
    expect((await stack.getObject(`prew/small/${path}`))?.equals(generated.body)).toBe(true);
    const entry = await accessEntry(stack.nginx!, stored.headers['x-request-id']);
    expect(entry.upstreamStatuses).toEqual([200]);
  });

  it('answers POST with 405 from nginx (nothing reaches the proxy)', async () => {
    const path = await freshOriginal();
    const before = snapshot();

    const response = await send(nginxPort, `/prew/small/${path}`, { method: 'POST' });

    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET, HEAD');
    expect(delta(before).proxyRequests).toBe(0);
  });

  describe('path traversal and encoded separators', () => {
    let stored: string;
    let storedBytes: Buffer;

    beforeAll(async () => {
      // An existing preview and an existing original that a traversal could try to reach.
      stored = await freshOriginal('target.jpg');
      const response = await send(nginxPort, `/prew/small/${stored}`);
      expect(response.status).toBe(200);
      storedBytes = response.body;
    });

    it.each([
      ['raw ..', (p: string) => `/prew/small/x/../${p}`, 'nginx (canonical-target check)'],
      ['%2e%2e', (p: string) => `/prew/small/x/%2e%2e/${p}`, 'nginx (canonical-target check)'],
      ['%2E%2E to the originals', (p: string) => `/prew/small/%2E%2E/%2E%2E/photo/${p}`, 'nginx (canonical-target check)'],
      ['%2F inside the key', (p: string) => `/prew/small/${p.replace('/', '%2F')}`, 'nginx (canonical-target check)'],
      ['%5C inside the key', (p: string) => `/prew/small/${p.replace('/', '%5C')}`, 'nginx (canonical-target check)'],
      ['// empty segment', (p: string) => `/prew/small//${p}`, 'nginx (canonical-target check)'],
      ['above the root', () => '/prew/../../etc/passwd', "nginx's URI parser"],
      ['%00', (p: string) => `/prew/small/${p}%00.jpg`, "nginx's URI parser"],
    ])('%s → 400 from %s; nothing reaches the proxy or S3, no object is served', async (_, target, _answeredBy) => {
      const before = snapshot();

      const response = await send(nginxPort, target(stored));

      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toBe('text/html');
      expect(response.body.equals(storedBytes)).toBe(false);
      expect(response.body.equals(original)).toBe(false);
      expect(delta(before)).toEqual({ resizes: 0, puts: 0, invocations: 0, proxyRequests: 0 });
      const entry = await accessEntry(stack.nginx!, response.headers['x-request-id']);
      expect(entry.upstreams).toEqual([]);
    });

    it.each([
      ['%2e%2e', (p: string) => `/prew/small/x/%2e%2e/${p}`],
      ['%2F inside the key', (p: string) => `/prew/small/${p.replace('/', '%2F')}`],
      ['// empty segment', (p: string) => `/prew/small//${p}`],
      ['raw ..', (p: string) => `/prew/small/x/../${p}`],
    ])('the proxy, asked directly, also answers %s with 400 (defence in depth)', async (_, target) => {
      const response = await send(stack.proxy.port, target(stored));

      expect(response.status).toBe(400);
      expect(response.headers['x-preview-error']).toBe('INVALID_PATH');
    });
  });

  // Last: the proxy goes away.
  it('with the proxy down, nginx answers 502 for a miss at once, and still serves stored previews', async () => {
    const existing = await freshOriginal();
    expect((await send(nginxPort, `/prew/small/${existing}`)).status).toBe(200);
    const missing = await freshOriginal();
    await stack.stopProxy();

    const started = performance.now();
    const down = await send(nginxPort, `/prew/small/${missing}`);
    const elapsed = performance.now() - started;
    const hit = await send(nginxPort, `/prew/small/${existing}`);

    expect(down.status).toBe(502);
    expect(down.headers['x-preview-error']).toBeUndefined();
    expect(elapsed).toBeLessThan(1_000);
    const entry = await accessEntry(stack.nginx!, down.headers['x-request-id']);
    expect(entry.upstreamStatuses).toEqual([404, 502]);
    expect(hit.status).toBe(200);
  });
});
