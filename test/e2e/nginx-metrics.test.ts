/**
 * `/metrics` is not reachable through nginx: a real nginx (the rendered template) in front of the real
 * proxy serving its metrics on its own port, with an S3 that misses everything (so every preview request
 * falls back to the proxy). Every way of spelling `/metrics` is sent through nginx; none reaches the
 * metrics, while a preview does reach the proxy and a direct scrape of the proxy's port works.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@preview-lambda/local/emulators';
import { type RunningNginx, startNginx } from '@preview-lambda/local/nginx';
import { METRICS_PATH, ProxyMetrics } from '@preview-lambda/proxy/metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeInvoker, previewResult, startProxy, type TestProxy } from '../proxy/support.js';
import { Scripted, s3Error } from './scripted.js';
import { NGINX_PATH, noteSkip, send, SKIP_WITHOUT_NGINX } from './support.js';

noteSkip('nginx never passes /metrics on');

/**
 * Spellings of `/metrics` a client may try through nginx: the path itself, with a query, a trailing slash
 * or a doubled slash, percent-encoded, and reached by dot segments (raw and encoded) from the preview and
 * originals roots, the query and `;` tricks, and the absolute form of the request target.
 */
const ATTEMPTS = [
  '/metrics',
  '/metrics?name[]=preview_proxy_requests_total',
  '/metrics/',
  '//metrics',
  '/%6detrics',
  '/%6D%65%74%72%69%63%73',
  '/prew/../metrics',
  '/prew/%2e%2e/metrics',
  '/prew/small/../../metrics',
  '/prew/small/%2e%2e/%2e%2e/metrics',
  '/prew/small/..%2f..%2fmetrics',
  '/prew/small/%2F..%2F..%2Fmetrics',
  '/prew/small/a.jpg/../../../metrics',
  '/prew/small/a.jpg%3F/../../../metrics',
  '/prew/small/a.jpg?/../../../metrics',
  '/prew/small/..;/..;/metrics',
  '/prew%2f..%2fmetrics',
  '/prew/metrics',
  '/prew//metrics',
  '/prew/small/metrics',
  '/photo/../metrics',
  '/photo/%2e%2e/metrics',
  'http://127.0.0.1/metrics',
  'http://127.0.0.1/prew/../metrics',
] as const;

describe.skipIf(SKIP_WITHOUT_NGINX)('nginx in front of the proxy: /metrics is unreachable', () => {
  let proxy: TestProxy;
  let metrics: ProxyMetrics;
  let s3: Scripted;
  let nginx: RunningNginx;
  let prefixDir: string;

  beforeAll(async () => {
    metrics = new ProxyMetrics({ defaultMetrics: false });
    // Metrics on the proxy's own port: the configuration where a leak would matter.
    proxy = await startProxy({ metrics, invoker: new FakeInvoker(async () => previewResult()) });
    s3 = new Scripted((_request, response) => s3Error(response, 404, 'NoSuchKey'));
    const s3Port = await s3.listen();
    prefixDir = await mkdtemp(join(tmpdir(), 'preview-nginx-metrics-'));
    nginx = await startNginx({
      prefixDir,
      ...(NGINX_PATH === undefined ? {} : { nginxPath: NGINX_PATH }),
      config: {
        listen: { host: '127.0.0.1', port: await freePort() },
        proxy: { host: '127.0.0.1', port: proxy.port },
        s3: { style: 'path', endpoint: `http://127.0.0.1:${s3Port}` },
        originalsBucket: 'originals-bucket',
        previewsBucket: 'previews-bucket',
      },
    });
  }, 30_000);

  afterAll(async () => {
    await nginx?.stop();
    await s3?.close();
    await proxy?.proxy.close();
    if (prefixDir !== undefined) await rm(prefixDir, { recursive: true, force: true });
  });

  it('passes a preview miss on to the proxy (the path to it is open)', async () => {
    const response = await send(nginx.port, '/prew/small/a.jpg');
    expect(response.status).toBe(200);
    expect(proxy.accessLogs().map((line) => line.path)).toContain('/prew/small/a.jpg');
  });

  it.each(ATTEMPTS.map((target) => [target]))('answers %s without the metrics', async (target) => {
    for (const method of ['GET', 'HEAD']) {
      // A preview path such as /prew/small/metrics is a preview (the fake invoker makes one): only the body tells.
      const response = await send(nginx.port, target, { method });
      expect(response.body.toString('latin1')).not.toMatch(/# (HELP|TYPE) |preview_proxy_/);
      expect(String(response.headers['content-type'])).not.toContain('version=0.0.4');
    }
  });

  it('served no scrape through nginx, while the proxy serves one on its own port', async () => {
    expect(metrics.scrapes).toBe(0);
    const direct = await send(proxy.port, METRICS_PATH);
    expect(direct.status).toBe(200);
    expect(direct.body.toString()).toMatch(/^preview_proxy_requests_total\{outcome="generated",status="200",code=""\} [1-9]\d*$/m);
    expect(metrics.scrapes).toBe(1);
  });
});
