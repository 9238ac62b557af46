/**
 * The nginx configuration (proxy/nginx/preview.conf.template) on a real nginx, between a scripted S3 and a
 * scripted proxy that record every request: what reaches S3, what reaches the proxy, and what the client
 * gets, for hits, misses (403 and 404), S3 failures, methods, non-canonical targets, and a proxy that is
 * down or hung.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningNginx } from '@preview-lambda/local/nginx';
import { s3Error, Scripted, type ScriptedNginx, startScriptedNginx, STORAGE_HEADERS } from './scripted.js';
import { accessEntry, noteSkip, send, SKIP_WITHOUT_NGINX } from './support.js';

noteSkip('nginx configuration');

const HIT = Buffer.from('preview bytes stored in S3');
const ORIGINAL = Buffer.from('original bytes stored in S3');

const s3 = new Scripted((request, res) => {
  const path = request.url.split('?')[0];
  switch (path) {
    case '/previews-bucket/prew/small/hit.jpg':
    case '/originals-bucket/photo/a.jpg': {
      const body = path.endsWith('hit.jpg') ? HIT : ORIGINAL;
      res.writeHead(200, {
        ...STORAGE_HEADERS,
        'content-type': 'image/jpeg',
        'content-length': body.byteLength,
        etag: '"etag"',
        'cache-control': 'public, max-age=31536000, immutable',
      });
      res.end(request.method === 'HEAD' ? undefined : body);
      return;
    }
    case '/previews-bucket/prew/small/broken.jpg':
      return s3Error(res, 500, 'InternalError');
    default:
      // Real S3 answers 403 for a missing key when the caller may not list the bucket.
      return path?.includes('forbidden') ? s3Error(res, 403, 'AccessDenied') : s3Error(res, 404, 'NoSuchKey');
  }
});

const proxy = new Scripted((request, res) => {
  if (request.url.includes('hang')) return 'hold';
  const body = Buffer.from(`proxy answered ${request.url}`);
  res.writeHead(200, {
    'content-type': 'text/plain',
    'content-length': body.byteLength,
    'x-request-id': String(request.headers['x-request-id'] ?? 'none'),
    'set-cookie': 'proxy=1',
  });
  res.end(request.method === 'HEAD' ? undefined : body);
});

let running: ScriptedNginx;
let nginx: RunningNginx;
let s3Port: number;

describe.skipIf(SKIP_WITHOUT_NGINX)('nginx: preview.conf.template between a scripted S3 and a scripted proxy', () => {
  beforeAll(async () => {
    running = await startScriptedNginx(s3, proxy, {
      // A proxy that never answers is given up on after 1.5 s (its own deadline would be 0.5 s).
      proxyRequestTimeoutMs: 500,
      proxyReadTimeoutMs: 1_500,
    });
    ({ nginx, s3Port } = running);
  });

  afterAll(async () => {
    await running?.stop();
  });

  beforeEach(() => {
    s3.requests.length = 0;
    proxy.requests.length = 0;
  });

  it('serves a stored preview from the previews bucket, without the query string, and never calls the proxy', async () => {
    const response = await send(nginx.port, '/prew/small/hit.jpg?versionId=v0&acl', {
      headers: {
        Cookie: 'session=secret',
        Authorization: 'Bearer secret',
        'x-amz-security-token': 'client',
        Range: 'bytes=0-',
      },
    });

    expect(response.status).toBe(200);
    expect(response.body.equals(HIT)).toBe(true);
    expect(proxy.requests).toHaveLength(0);
    expect(s3.requests).toHaveLength(1);
    const [toS3] = s3.requests;
    expect(toS3!.url).toBe('/previews-bucket/prew/small/hit.jpg');
    expect(toS3!.headers.host).toBe(`127.0.0.1:${s3Port}`);
    expect(toS3!.headers.cookie).toBeUndefined();
    expect(toS3!.headers.authorization).toBeUndefined();
    expect(toS3!.headers['x-amz-security-token']).toBeUndefined();
    expect(toS3!.headers.range).toBe('bytes=0-');
  });

  it("hides S3's x-amz-* headers and cookies, keeps the object's own headers, and adds X-Request-Id", async () => {
    const response = await send(nginx.port, '/prew/small/hit.jpg');

    for (const name of Object.keys(STORAGE_HEADERS)) expect(response.headers[name.toLowerCase()], name).toBeUndefined();
    expect(response.headers).toMatchObject({
      'content-type': 'image/jpeg',
      etag: '"etag"',
      'cache-control': 'public, max-age=31536000, immutable',
      server: 'nginx',
    });
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
  });

  it.each([
    [404, '/prew/small/missing.jpg'],
    [403, '/prew/small/forbidden.jpg'],
  ])('sends a miss (S3 %i) to the proxy with the original target, query and encoding', async (s3Status, path) => {
    const target = `${path.replace('.jpg', '')}-caf%C3%A9+%41.jpg?v=2&x=%2F`;
    const response = await send(nginx.port, target, {
      headers: { Cookie: 'session=secret', Authorization: 'Bearer secret', 'User-Agent': 'e2e' },
    });

    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe(`proxy answered ${target}`);
    expect(proxy.requests).toHaveLength(1);
    const [toProxy] = proxy.requests;
    expect(toProxy!.url).toBe(target);
    expect(toProxy!.headers.cookie).toBeUndefined();
    expect(toProxy!.headers.authorization).toBeUndefined();
    expect(toProxy!.headers['user-agent']).toBe('e2e');
    expect(toProxy!.headers.host).toBe('127.0.0.1');
    // One id for the whole request: nginx's, sent to the proxy, answered once, logged by nginx.
    const id = response.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(toProxy!.headers['x-request-id']).toBe(id);
    expect(response.headers['set-cookie']).toBeUndefined();
    const entry = await accessEntry(nginx, id);
    expect(entry.upstreams).toHaveLength(2);
    expect(entry.upstreamStatuses).toEqual([s3Status, 200]);
    // S3 got the decoded key re-encoded ("+" as %2B: S3 reads a raw "+" as a space), and no query.
    expect(s3.requests[0]!.url).toBe(`/previews-bucket${path.replace('.jpg', '')}-caf%C3%A9%2BA.jpg`);
  });

  it('sends HEAD misses to the proxy as HEAD', async () => {
    const response = await send(nginx.port, '/prew/small/head.jpg', { method: 'HEAD' });

    expect(response.status).toBe(200);
    expect(s3.requests.map((request) => request.method)).toEqual(['HEAD']);
    expect(proxy.requests.map((request) => request.method)).toEqual(['HEAD']);
  });

  it("answers a short 502 for an S3 failure, without S3's XML or the proxy", async () => {
    const response = await send(nginx.port, '/prew/small/broken.jpg');

    expect(response.status).toBe(502);
    expect(response.body.toString()).toBe('Bad Gateway: storage unavailable\n');
    expect(response.headers['content-type']).toBe('text/plain');
    expect(response.headers['x-amz-request-id']).toBeUndefined();
    expect(proxy.requests).toHaveLength(0);
  });

  it('serves originals from the originals bucket; a missing one (404 or 403) is a plain 404 without the proxy', async () => {
    const original = await send(nginx.port, '/photo/a.jpg?x=1');
    const missing = await send(nginx.port, '/photo/missing.jpg');
    const forbidden = await send(nginx.port, '/photo/forbidden.jpg');

    expect(original.status).toBe(200);
    expect(original.body.equals(ORIGINAL)).toBe(true);
    expect(s3.requests[0]!.url).toBe('/originals-bucket/photo/a.jpg');
    for (const response of [missing, forbidden]) {
      expect([response.status, response.body.toString()]).toEqual([404, 'Not Found\n']);
      expect(response.headers['content-type']).toBe('text/plain');
      expect(response.headers['x-amz-request-id']).toBeUndefined();
    }
    expect(proxy.requests).toHaveLength(0);
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])(
    'answers %s with 405 and Allow: GET, HEAD, reaching neither S3 nor the proxy',
    async (method) => {
      for (const path of ['/prew/small/missing.jpg', '/photo/a.jpg']) {
        const response = await send(nginx.port, path, { method });
        expect(response.status).toBe(405);
        expect(response.headers.allow).toBe('GET, HEAD');
        expect(response.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
      }
      expect(s3.requests).toHaveLength(0);
      expect(proxy.requests).toHaveLength(0);
    },
  );

  it.each([
    // Dot segments, raw and percent-encoded, in any case; nginx would resolve them itself.
    '/prew/small/../hit.jpg',
    '/prew/small/./hit.jpg',
    '/prew/small/%2e%2e/%2e%2e/photo/a.jpg',
    '/prew/small/%2E%2E/hit.jpg',
    '/prew/small/.%2e/hit.jpg',
    '/photo/../prew/small/hit.jpg',
    '/prew/small/x/..',
    // Encoded separators: S3 would read a%2Fb as the key a/b.
    '/prew/small%2Fhit.jpg',
    '/prew/small/a%2fb.jpg',
    '/prew/small/a%5Cb.jpg',
    '/prew/small/a\\b.jpg',
    // Empty segments, which nginx would merge.
    '/prew/small//hit.jpg',
    '//prew/small/hit.jpg',
    // Encoded control characters (a decoded line break would end the path for nginx's regexes).
    '/prew/small/a%0Ab.jpg?acl',
    '/photo/a%0d.jpg',
    '/prew/small/%1f.jpg',
    '/prew/small/a%7F.jpg',
  ])('rejects the non-canonical target %s with 400 before any location (no upstream)', async (target) => {
    const response = await send(nginx.port, target);

    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('text/html');
    expect(s3.requests).toHaveLength(0);
    expect(proxy.requests).toHaveLength(0);
    const entry = await accessEntry(nginx, response.headers['x-request-id']);
    expect(entry.upstreams).toEqual([]);
  });

  it('leaves dots inside names, dot files and dots in the query alone', async () => {
    for (const target of ['/prew/small/a..b.jpg', '/prew/small/.hidden.jpg', '/prew/small/x.jpg?next=/../a//b%2F']) {
      const response = await send(nginx.port, target);
      expect(response.status, target).toBe(200);
    }
    expect(proxy.requests.map((request) => request.url)).toEqual([
      '/prew/small/a..b.jpg',
      '/prew/small/.hidden.jpg',
      '/prew/small/x.jpg?next=/../a//b%2F',
    ]);
  });

  it('answers 404 for paths outside /prew/ and /photo/, reaching no upstream', async () => {
    for (const target of ['/', '/healthz', '/prewx/small/hit.jpg', '/previews-bucket/prew/small/hit.jpg']) {
      const response = await send(nginx.port, target);
      expect([response.status, response.headers['content-type']], target).toEqual([404, 'text/plain']);
    }
    expect(s3.requests).toHaveLength(0);
    expect(proxy.requests).toHaveLength(0);
  });

  it('reuses connections to the proxy (upstream keepalive)', async () => {
    const before = proxy.connections;
    for (let i = 0; i < 5; i += 1) await send(nginx.port, `/prew/small/keepalive-${i}.jpg`);
    expect(proxy.requests).toHaveLength(5);
    expect(proxy.connections - before).toBeLessThanOrEqual(1);
  });

  it('gives up on a proxy that accepts but never answers after proxy_read_timeout: 504', async () => {
    const started = performance.now();
    const response = await send(nginx.port, '/prew/small/hang.jpg');
    const elapsed = performance.now() - started;

    expect(response.status).toBe(504);
    expect(elapsed).toBeGreaterThan(1_400);
    expect(elapsed).toBeLessThan(5_000);
  });

  // Last: the proxy goes away for good.
  it('answers 502 at once when the proxy is down, and still serves stored previews from S3', async () => {
    await proxy.close();

    const started = performance.now();
    const miss = await send(nginx.port, '/prew/small/missing-while-down.jpg');
    const elapsed = performance.now() - started;
    const hit = await send(nginx.port, '/prew/small/hit.jpg');

    expect(miss.status).toBe(502);
    expect(elapsed).toBeLessThan(1_000);
    expect(miss.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    const entry = await accessEntry(nginx, miss.headers['x-request-id']);
    expect(entry.upstreamStatuses).toEqual([404, 502]);
    expect(hit.status).toBe(200);
    expect(hit.body.equals(HIT)).toBe(true);
  });
});
