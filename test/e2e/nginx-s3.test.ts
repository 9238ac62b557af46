/**
 * What nginx lets through of S3 (proxy/nginx/preview.conf.template on a real nginx, between a scripted S3
 * and a scripted proxy): the key encoding S3 receives (a raw "+" is a space to real S3), S3's statuses and
 * error bodies, its headers (x-amz-meta-* included), redirects that could reflect the client's Host, MIME
 * sniffing, and objects stored with a type that is not an image.
 */
import { STATUS_CODES } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningNginx } from '@preview-lambda/local/nginx';
import { INLINE_IMAGE_TYPES } from '@preview-lambda/proxy/nginx/render';
import { s3Error, Scripted, type ScriptedNginx, startScriptedNginx, STORAGE_HEADERS } from './scripted.js';
import { accessEntry, noteSkip, send, SKIP_WITHOUT_NGINX } from './support.js';

noteSkip('nginx in front of S3');

const BODY = Buffer.from('twenty-six bytes of object');
const HTML = Buffer.from('<html><script>alert(document.cookie)</script></html>');
/** Stored objects by key (after the bucket), with their stored Content-Type. */
const OBJECTS: Record<string, { type: string | undefined; body: Buffer; disposition?: string }> = {
  'prew/small/hit.jpg': { type: 'image/jpeg', body: BODY },
  'photo/a.jpg': { type: 'image/jpeg', body: BODY },
  'photo/upper.jpg': { type: 'IMAGE/JPEG; charset=binary', body: BODY },
  'photo/named.png': { type: 'image/png', body: BODY, disposition: 'attachment; filename="evil.html"' },
  'photo/page.html': { type: 'text/html', body: HTML },
  'photo/page.jpg': { type: 'text/html; charset=utf-8', body: HTML },
  'photo/drawing.svg': { type: 'image/svg+xml', body: HTML },
  'photo/untyped.jpg': { type: undefined, body: HTML },
  'prew/small/planted.jpg': { type: 'text/html', body: HTML },
};

const s3 = new Scripted((request, res) => {
  const [path = ''] = request.url.split('?');
  const key = path.replace(/^\/(?:originals|previews)-bucket\//, '');
  // `.../status-418.jpg`: S3 answers that status with its XML error body.
  const status = /\/status-(\d{3})\.jpg$/.exec(key)?.[1];
  if (status !== undefined) return s3Error(res, Number(status), 'Scripted', { 'x-amz-meta-leak': 'error' });
  const object = OBJECTS[key];
  if (object === undefined) return s3Error(res, 404, 'NoSuchKey');
  if (request.headers['if-none-match'] === '"etag"') {
    res.writeHead(304, { ...STORAGE_HEADERS, etag: '"etag"' });
    res.end();
    return;
  }
  const range = request.headers.range;
  if (range === 'bytes=999999999-') {
    return s3Error(res, 416, 'InvalidRange', { 'content-range': `bytes */${object.body.byteLength}` });
  }
  const headers = {
    ...STORAGE_HEADERS,
    ...(object.type === undefined ? {} : { 'content-type': object.type }),
    ...(object.disposition === undefined ? {} : { 'content-disposition': object.disposition }),
    etag: '"etag"',
  };
  if (range === 'bytes=0-3') {
    res.writeHead(206, { ...headers, 'content-range': `bytes 0-3/${object.body.byteLength}` });
    res.end(object.body.subarray(0, 4));
    return;
  }
  res.writeHead(200, headers);
  res.end(request.method === 'HEAD' ? undefined : object.body);
});

const proxy = new Scripted((request, res) => {
  const body = Buffer.from(`proxy answered ${request.url}`);
  res.writeHead(request.url.includes('proxy-404') ? 404 : 200, { 'content-type': 'image/svg+xml' });
  res.end(body);
  return undefined;
});

let running: ScriptedNginx;
let nginx: RunningNginx;

/** The request targets S3 received, in order. */
const s3Targets = (): string[] => s3.requests.map((request) => request.url);

describe.skipIf(SKIP_WITHOUT_NGINX)('nginx in front of S3: what reaches S3 and what the client sees of it', () => {
  beforeAll(async () => {
    running = await startScriptedNginx(s3, proxy);
    ({ nginx } = running);
  });

  afterAll(async () => {
    await running?.stop();
  });

  beforeEach(() => {
    s3.requests.length = 0;
    proxy.requests.length = 0;
  });

  describe('the key S3 receives', () => {
    it.each([
      ['a raw "+"', 'a+b.jpg', 'a%2Bb.jpg'],
      ['"%2B"', 'a%2Bb.jpg', 'a%2Bb.jpg'],
      ['"%2b"', 'a%2bb.jpg', 'a%2Bb.jpg'],
      ['"%20" (a space)', 'a%20b.jpg', 'a%20b.jpg'],
      ['a raw "+" next to "%20"', 'x+y%20z.jpg', 'x%2By%20z.jpg'],
      ['"+" next to UTF-8', 'caf%C3%A9+1.jpg', 'caf%C3%A9%2B1.jpg'],
      ['"%25" (a percent sign)', '100%25+.jpg', '100%25%2B.jpg'],
      ['several "+" in several segments', 'a+/b++c.jpg', 'a%2B/b%2B%2Bc.jpg'],
      ['nothing to encode', 'plain/a-b_c.d~e.jpg', 'plain/a-b_c.d~e.jpg'],
    ])('encodes %s for /prew/ and /photo/ so that S3 reads the same key', async (_what, sent, expected) => {
      await send(nginx.port, `/prew/small/${sent}?v=1`);
      await send(nginx.port, `/photo/${sent}?acl`);

      expect(s3Targets()).toEqual([
        `/previews-bucket/prew/small/${expected}`,
        `/originals-bucket/photo/${expected}`,
      ]);
    });

    it('never takes any part of the key from the query string', async () => {
      await send(nginx.port, '/prew/small/a.jpg?small/other.jpg');
      await send(nginx.port, '/photo/a.jpg?../prew/small/hit.jpg');
      await send(nginx.port, '/prew/small/a+b.jpg?x+y');

      expect(s3Targets()).toEqual([
        '/previews-bucket/prew/small/a.jpg',
        '/originals-bucket/photo/a.jpg',
        '/previews-bucket/prew/small/a%2Bb.jpg',
      ]);
    });

    it("sends the proxy the client's own target on a miss (it reads a raw \"+\" as \"+\", like %2B)", async () => {
      for (const sent of ['a+b.jpg', 'a%2Bb.jpg', 'a%20b.jpg']) await send(nginx.port, `/prew/small/${sent}`);

      expect(proxy.requests.map((request) => request.url)).toEqual([
        '/prew/small/a+b.jpg',
        '/prew/small/a%2Bb.jpg',
        '/prew/small/a%20b.jpg',
      ]);
    });

    it('still serves stored objects (200, 206 and 304 pass)', async () => {
      const whole = await send(nginx.port, '/prew/small/hit.jpg');
      const part = await send(nginx.port, '/photo/a.jpg', { headers: { Range: 'bytes=0-3' } });
      const unchanged = await send(nginx.port, '/photo/a.jpg', { headers: { 'If-None-Match': '"etag"' } });

      expect([whole.status, whole.body.equals(BODY)]).toEqual([200, true]);
      expect([part.status, part.body.toString(), part.headers['content-range']]).toEqual([206, 'twen', 'bytes 0-3/26']);
      expect([unchanged.status, unchanged.body.byteLength]).toEqual([304, 0]);
      expect(proxy.requests).toHaveLength(0);
    });
  });

  describe("S3's statuses", () => {
    it("answers a range beyond the object 416, without S3's XML", async () => {
      for (const path of ['/prew/small/hit.jpg', '/photo/a.jpg']) {
        const response = await send(nginx.port, path, { headers: { Range: 'bytes=999999999-' } });

        expect(response.status, path).toBe(416);
        expect(response.body.toString()).toBe('Range Not Satisfiable\n');
        expect(response.headers['content-type']).toBe('text/plain');
        expect(response.headers['content-range']).toBe('bytes */26');
        expect(response.headers['x-amz-request-id']).toBeUndefined();
      }
      expect(proxy.requests).toHaveLength(0);
    });

    const statuses = Object.keys(STATUS_CODES)
      .map(Number)
      .filter((status) => status >= 300 && ![304, 403, 404, 408].includes(status));
    const ownAnswer = (status: number): [number, string] =>
      status === 400
        ? [400, 'Bad Request\n']
        : status === 416
          ? [416, 'Range Not Satisfiable\n']
          : [502, 'Bad Gateway: storage unavailable\n'];

    it.each(statuses)('answers S3 %i with its own short body, never S3 XML or headers', async (status) => {
      for (const path of [`/prew/small/status-${status}.jpg`, `/photo/status-${status}.jpg`]) {
        const response = await send(nginx.port, path);

        expect([response.status, response.body.toString()], path).toEqual(ownAnswer(status));
        expect(response.headers['content-type']).toBe('text/plain');
        expect(response.headers.location).toBeUndefined();
        expect(Object.keys(response.headers).filter((name) => name.startsWith('x-amz'))).toEqual([]);
        const entry = await accessEntry(nginx, response.headers['x-request-id']);
        expect(entry.upstreamStatuses).toEqual([status]);
      }
      expect(proxy.requests).toHaveLength(0);
    });

    it('closes the connection on S3 408 (nginx takes 408 for its own client timeout): nothing of S3 is sent', async () => {
      for (const path of ['/prew/small/status-408.jpg', '/photo/status-408.jpg']) {
        await expect(send(nginx.port, path), path).rejects.toThrow(/socket hang up|ECONNRESET/);
      }
      expect(s3Targets()).toHaveLength(2);
      expect(proxy.requests).toHaveLength(0);
    });
  });

  describe('headers', () => {
    it('lets no x-amz-* header (user metadata included) or cookie through, on any answer', async () => {
      const answers = [
        await send(nginx.port, '/prew/small/hit.jpg'),
        await send(nginx.port, '/photo/a.jpg', { method: 'HEAD' }),
        await send(nginx.port, '/photo/a.jpg', { headers: { Range: 'bytes=0-3' } }),
        await send(nginx.port, '/photo/a.jpg', { headers: { 'If-None-Match': '"etag"' } }),
        await send(nginx.port, '/photo/page.html'),
        await send(nginx.port, '/photo/status-500.jpg'),
      ];

      expect(answers.map((response) => response.status)).toEqual([200, 200, 206, 304, 200, 502]);
      for (const response of answers) {
        expect(Object.keys(response.headers).filter((name) => /^x-amz|^set-cookie$/.test(name))).toEqual([]);
      }
      expect(answers[0]!.headers).toMatchObject({ 'content-type': 'image/jpeg', etag: '"etag"' });
    });

    it('sends X-Content-Type-Options: nosniff with everything nginx answers', async () => {
      const answers = {
        'stored preview': await send(nginx.port, '/prew/small/hit.jpg'),
        'generated by the proxy': await send(nginx.port, '/prew/small/missing.jpg'),
        'proxy 404': await send(nginx.port, '/prew/small/proxy-404.jpg'),
        original: await send(nginx.port, '/photo/a.jpg'),
        'not modified': await send(nginx.port, '/photo/a.jpg', { headers: { 'If-None-Match': '"etag"' } }),
        'missing original': await send(nginx.port, '/photo/missing.jpg'),
        'S3 failing': await send(nginx.port, '/photo/status-503.jpg'),
        'range not satisfiable': await send(nginx.port, '/photo/a.jpg', { headers: { Range: 'bytes=999999999-' } }),
        'non-canonical target': await send(nginx.port, '/prew/small/%2e%2e/hit.jpg'),
        'method not allowed': await send(nginx.port, '/prew/small/hit.jpg', { method: 'POST' }),
        'outside the roots': await send(nginx.port, '/index.html'),
      };

      for (const [what, response] of Object.entries(answers)) {
        expect(response.headers['x-content-type-options'], what).toBe('nosniff');
      }
      expect(answers['method not allowed'].headers.allow).toBe('GET, HEAD');
    });
  });

  describe('redirects', () => {
    it.each(['/prew', '/photo', '/prew?x=1'])("answers %s 404 itself, with no Location naming the client's Host", async (target) => {
      const response = await send(nginx.port, target, { headers: { Host: 'evil.example' } });

      expect(response.status).toBe(404);
      expect(response.headers.location).toBeUndefined();
      expect(response.body.toString()).not.toContain('evil.example');
      expect(s3.requests).toHaveLength(0);
      expect(proxy.requests).toHaveLength(0);
    });
  });

  describe('objects stored with a type that is not an image', () => {
    it(`serves the image types the service makes inline (${INLINE_IMAGE_TYPES.join(', ')}), parameters and case aside`, async () => {
      for (const path of ['/photo/a.jpg', '/photo/upper.jpg', '/photo/named.png', '/prew/small/hit.jpg']) {
        const response = await send(nginx.port, path);

        expect(response.status, path).toBe(200);
        expect(response.headers['content-type']).toMatch(/^image\/(jpeg|png)/i);
        // A stored Content-Disposition (here `attachment; filename="evil.html"`) is not passed on.
        expect(response.headers['content-disposition'], path).toBeUndefined();
        expect(response.headers['content-security-policy']).toBeUndefined();
      }
    });

    it.each([
      ['text/html', '/photo/page.html'],
      ['text/html under a .jpg name', '/photo/page.jpg'],
      ['image/svg+xml (scripts run in SVG)', '/photo/drawing.svg'],
      ['no Content-Type at all', '/photo/untyped.jpg'],
      ['text/html at a preview key', '/prew/small/planted.jpg'],
    ])('serves an object stored as %s as a download, never as a page', async (_what, path) => {
      for (const method of ['GET', 'HEAD']) {
        const response = await send(nginx.port, path, { method });

        expect(response.status).toBe(200);
        expect(response.headers['content-type']).toBe('application/octet-stream');
        expect(response.headers['content-disposition']).toBe('attachment');
        expect(response.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
        expect(response.headers['x-content-type-options']).toBe('nosniff');
      }
      const part = await send(nginx.port, path, { headers: { Range: 'bytes=0-3' } });
      expect([part.status, part.headers['content-type'], part.headers['content-disposition']]).toEqual([
        206,
        'application/octet-stream',
        'attachment',
      ]);
    });
  });
});
