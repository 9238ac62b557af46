/**
 * nginx's choice of variant by `Accept` (the maps rendered from the contract's rule and the catalogue), on
 * a real nginx between a scripted S3 and a scripted proxy: which key S3 is asked for, `Vary`, the fallback
 * to the proxy with the client's Accept, variant URLs, and the configured order. The same cases as the
 * contract's `chooseFormat`, so the two implementations of the one rule cannot drift apart.
 */
import { acceptsFormat, chooseFormat, type OutputFormat } from '@preview-lambda/contract';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningNginx } from '@preview-lambda/local/nginx';
import { s3Error, Scripted, type ScriptedNginx, startNginxBetween, startScriptedNginx, STORAGE_HEADERS } from './scripted.js';
import { noteSkip, send, SKIP_WITHOUT_NGINX } from './support.js';

noteSkip('nginx variants');

const PRESETS = 'small=320;avif;webp,medium=720;webp,large=1440';
const CATALOGUE: Record<string, readonly OutputFormat[]> = { small: ['avif', 'webp'], medium: ['webp'], large: [] };
const TYPES: Record<string, string> = { '': 'image/jpeg', '@avif': 'image/avif', '@webp': 'image/webp' };

/** S3 holds every preview of `stored.jpg` (each variant answers with its type); every other key is missing. */
const s3 = new Scripted((request, res) => {
  const match = /^\/previews-bucket\/prew\/([a-z]+)(@[a-z]+)?\/stored\.jpg$/.exec(request.url);
  if (match === null) return s3Error(res, 404, 'NoSuchKey');
  const body = Buffer.from(request.url);
  res.writeHead(200, { ...STORAGE_HEADERS, 'content-type': TYPES[match[2] ?? '']!, 'content-length': body.byteLength });
  res.end(body);
  return undefined;
});

const proxy = new Scripted((request, res) => {
  const body = Buffer.from(`proxy answered ${request.url}`);
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.byteLength, vary: 'Accept' });
  res.end(body);
  return undefined;
});

const CHROME = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
const ACCEPTS = [
  CHROME,
  'image/webp,*/*',
  'image/avif;q=0,image/webp;q=0.5',
  'IMAGE/AVIF',
  'image/jpeg',
  '*/*',
  'image/avifx, image/*',
  undefined,
] as const;

let running: ScriptedNginx;
let nginx: RunningNginx;

async function get(path: string, accept?: string, port = nginx.port) {
  return send(port, path, accept === undefined ? {} : { headers: { Accept: accept } });
}

describe.skipIf(SKIP_WITHOUT_NGINX)('nginx: variants by Accept between a scripted S3 and a scripted proxy', () => {
  beforeAll(async () => {
    running = await startScriptedNginx(s3, proxy, { presets: PRESETS });
    ({ nginx } = running);
  });

  afterAll(async () => {
    await running?.stop();
  });

  beforeEach(() => {
    s3.requests.length = 0;
    proxy.requests.length = 0;
  });

  it("asks S3 for the variant the contract's rule chooses, for every preset and Accept header", async () => {
    for (const [preset, offered] of Object.entries(CATALOGUE)) {
      for (const accept of ACCEPTS) {
        s3.requests.length = 0;
        const response = await get(`/prew/${preset}/stored.jpg`, accept);

        const format = chooseFormat(accept, offered, ['avif', 'webp']);
        const variant = format === undefined ? '' : `@${format}`;
        const expected = [`/previews-bucket/prew/${preset}${variant}/stored.jpg`, 200, TYPES[variant]];
        expect([preset, accept, s3.requests[0]?.url, response.status, response.headers['content-type']]).toEqual([
          preset,
          accept,
          ...expected,
        ]);
        expect(response.headers.vary).toBe(offered.length === 0 ? undefined : 'Accept');
      }
    }
    expect(proxy.requests).toHaveLength(0);
  });

  it('agrees with acceptsFormat on q=0 and on names that only start alike', () => {
    expect([acceptsFormat('image/avif;q=0,image/webp;q=0.5', 'avif'), acceptsFormat('image/avifx, image/*', 'avif')]).toEqual([
      false,
      false,
    ]);
  });

  it("falls back to the proxy on a missing variant with the original target and the client's Accept", async () => {
    const response = await get('/prew/small/missing%20one.jpg?v=1', CHROME);

    expect(s3.requests.map((request) => request.url)).toEqual(['/previews-bucket/prew/small@avif/missing%20one.jpg']);
    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe('proxy answered /prew/small/missing%20one.jpg?v=1');
    expect(proxy.requests[0]!.headers.accept).toBe(CHROME);
    expect(response.headers.vary).toBe('Accept');
  });

  it('hands the proxy the Accept value it chose by when a client sends several Accept headers', async () => {
    // nginx 1.22's $http_accept is the first header, Node joins them all: the proxy must see what nginx saw,
    // or it generates a variant nginx never asks S3 for and every such request reaches the function.
    const response = await send(nginx.port, '/prew/small/missing.jpg', { headers: { Accept: ['text/html', 'image/webp'] } });

    expect(response.status).toBe(200);
    const asked = /^\/previews-bucket\/prew\/small(?:@([a-z]+))?\/missing\.jpg$/.exec(s3.requests[0]!.url);
    const chosenByProxy = chooseFormat(proxy.requests[0]!.headers.accept, CATALOGUE.small!, ['avif', 'webp']);
    expect(chosenByProxy).toBe(asked?.[1]);
  });

  it('keeps the encoding of the rest of the key after the variant (+ and % reach S3 encoded)', async () => {
    await get('/prew/small/a+b%25c.jpg', CHROME);

    expect(s3.requests[0]!.url).toBe('/previews-bucket/prew/small@avif/a%2Bb%25c.jpg');
  });

  it('serves a variant URL from its own key whatever Accept says, without Vary', async () => {
    const response = await get('/prew/small@webp/stored.jpg', 'image/jpeg');

    expect(s3.requests[0]!.url).toBe('/previews-bucket/prew/small@webp/stored.jpg');
    expect([response.status, response.headers['content-type'], response.headers.vary]).toEqual([200, 'image/webp', undefined]);
  });

  it('follows the configured order between two accepted formats', async () => {
    const webpFirst = await startNginxBetween(running.s3Port, running.proxyPort, { presets: PRESETS, formatOrder: ['webp', 'avif'] });
    try {
      await get('/prew/small/stored.jpg', CHROME, webpFirst.nginx.port);
      await get('/prew/small/stored.jpg', 'image/avif', webpFirst.nginx.port);
      expect(s3.requests.map((request) => request.url)).toEqual([
        '/previews-bucket/prew/small@webp/stored.jpg',
        '/previews-bucket/prew/small@avif/stored.jpg',
      ]);
    } finally {
      await webpFirst.stop();
    }
  });
});
