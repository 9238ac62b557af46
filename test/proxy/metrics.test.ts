/**
 * `GET /metrics`: the proxy with the real `PreviewInvoker` (against a scripted Lambda endpoint) and an
 * in-memory S3 reader, scraped after generated, stored and failed requests; the exposition read with an
 * independent Prometheus text parser.
 */
import { Readable } from 'node:stream';
import { PreviewInvoker } from '@preview-lambda/invoker';
import { METRICS_PATH, PROXY_METRICS, ProxyMetrics, REQUEST_DURATION_BUCKETS, startMetricsServer } from '@preview-lambda/proxy/metrics';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { answer, FakeLambda, inProgress } from '../invoker/fake-lambda.js';
import { noteSkipWithoutParser, readScrape, scrape, SKIP_WITHOUT_PROMETHEUS_PARSER } from '../support/prometheus.js';
import { FakeReader, send, startProxy, type TestProxy, until } from './support.js';

const M = PROXY_METRICS;

noteSkipWithoutParser('proxy /metrics');
const PREVIEW = Buffer.from('preview bytes');
const success = (key: string) => ({ status: true, key, content_type: 'image/jpeg', data: PREVIEW.toString('base64'), error: '' });
const keyOnly = (key: string) => ({ status: true, key, content_type: 'image/jpeg', data: '', error: '' });
const missing = { status: false, key: '', content_type: '', data: '', error: 'File photo/c.jpg not exists', code: 'SOURCE_NOT_FOUND' };

let lambda: FakeLambda;
const running: TestProxy[] = [];
const invokers: PreviewInvoker[] = [];

beforeAll(async () => {
  lambda = await FakeLambda.start();
});
afterAll(async () => {
  await lambda.close();
});
afterEach(async () => {
  lambda.reset();
  await Promise.all(running.splice(0).map((proxy) => proxy.proxy.close()));
  for (const invoker of invokers.splice(0)) invoker.destroy();
});

/** A proxy with metrics, the real invoker (observed by them) and `storage`. */
async function proxyWithMetrics(
  options: { env?: Record<string, string>; storage?: FakeReader; defaultMetrics?: boolean } = {},
): Promise<{ proxy: TestProxy; metrics: ProxyMetrics }> {
  const metrics = new ProxyMetrics({ defaultMetrics: options.defaultMetrics ?? false });
  const invoker = new PreviewInvoker({
    functionName: 'PreviewFunction',
    timeoutMs: 5_000,
    inProgress: { initialDelayMs: 10, maxDelayMs: 20 },
    observer: metrics.invokerObserver,
    clientConfig: { endpoint: lambda.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } },
  });
  invokers.push(invoker);
  const proxy = await startProxy({ invoker, metrics, storage: options.storage ?? new FakeReader(), ...(options.env ? { env: options.env } : {}) });
  running.push(proxy);
  return { proxy, metrics };
}

/** Cumulative bucket counts of a histogram sample, in bucket order, `+Inf` last. */
function cumulative(buckets: ReadonlyMap<string, number>): number[] {
  return [...REQUEST_DURATION_BUCKETS.map(String), '+Inf'].map((le) => buckets.get(le)!);
}

describe.skipIf(SKIP_WITHOUT_PROMETHEUS_PARSER)('Function: GET /metrics (Prometheus)', () => {
  it('counts a generated, a stored and a failed request, with their latency histograms', async () => {
    const storage = new FakeReader().put('previews-bucket', 'prew/small/b.jpg', Buffer.alloc(1_000, 7), 'image/jpeg');
    const { proxy, metrics } = await proxyWithMetrics({ storage });
    // The generated preview takes 300 ms at the function: it must land above the 0.25 s bucket.
    lambda.enqueue({ ...answer(success('prew/small/a.jpg')), delayMs: 300 }, answer(keyOnly('prew/small/b.jpg')), answer(missing));

    expect((await send(proxy.port, '/prew/small/a.jpg')).status).toBe(200);
    expect((await send(proxy.port, '/prew/small/b.jpg')).status).toBe(200);
    expect((await send(proxy.port, '/prew/small/c.jpg')).status).toBe(404);
    await until(() => proxy.accessLogs().length === 3);

    const s = await scrape(`${proxy.url}${METRICS_PATH}`);
    s.family(M.requests, 'counter');
    expect(s.value(M.requests, { outcome: 'generated', status: '200', code: '' })).toBe(1);
    expect(s.value(M.requests, { outcome: 'stored', status: '200', code: '' })).toBe(1);
    expect(s.value(M.requests, { outcome: 'not-found', status: '404', code: 'SOURCE_NOT_FOUND' })).toBe(1);
    expect(s.family(M.requests, 'counter').samples.filter((sample) => sample.name === M.requests)).toHaveLength(3);

    const generated = s.histogram(M.requestDuration, { outcome: 'generated' })!;
    expect(generated.count).toBe(1);
    expect(generated.sum).toBeGreaterThanOrEqual(0.3);
    const counts = cumulative(generated.buckets);
    expect(counts.slice(0, REQUEST_DURATION_BUCKETS.indexOf(0.25) + 1).every((count) => count === 0)).toBe(true);
    expect(counts.at(-1)).toBe(1);
    for (const outcome of ['stored', 'not-found']) {
      const histogram = s.histogram(M.requestDuration, { outcome })!;
      expect([outcome, histogram.count, cumulative(histogram.buckets).at(-1)]).toEqual([outcome, 1, 1]);
      const buckets = cumulative(histogram.buckets);
      expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    }
    expect(s.value(M.sentBytes, { outcome: 'stored' })).toBe(1_000);
    expect(s.value(M.sentBytes, { outcome: 'generated' })).toBe(PREVIEW.length);
    expect(s.value(M.invocations)).toBe(3);
    expect([s.value(M.joins), s.value(M.inProgressWaits), s.value(M.s3Errors, { stage: 'open' })]).toEqual([0, 0, 0]);
    expect([s.value(M.previewsInFlight), s.value(M.joinersWaiting)]).toEqual([0, 0]);
    expect([s.value(M.maxInFlight), s.value(M.maxCoalesced)]).toEqual([64, 1024]);
    // Scrapes are neither counted as requests nor logged.
    expect(metrics.scrapes).toBe(1);
    expect(proxy.accessLogs()).toHaveLength(3);
  });

  it('shows the previews in flight and the joiners waiting while they wait, then the joins and the invoker’s waits', async () => {
    const { proxy } = await proxyWithMetrics();
    lambda.enqueue(inProgress(), { ...answer(success('prew/small/same.jpg')), delayMs: 400 });

    const requests = Array.from({ length: 3 }, () => send(proxy.port, '/prew/small/same.jpg'));
    await until(() => lambda.requests.length === 2 && proxy.proxy.inFlight === 3);
    const during = await scrape(`${proxy.url}/metrics`);
    expect([during.value(M.previewsInFlight), during.value(M.joinersWaiting)]).toEqual([1, 2]);
    expect((await Promise.all(requests)).map((response) => response.status)).toEqual([200, 200, 200]);

    const after = await scrape(`${proxy.url}/metrics`);
    expect([after.value(M.previewsInFlight), after.value(M.joinersWaiting)]).toEqual([0, 0]);
    expect(after.value(M.joins)).toBe(2);
    expect(after.value(M.invocations)).toBe(2);
    expect(after.value(M.inProgressWaits)).toBe(1);
    expect(after.value(M.inProgressWaitSeconds)).toBeGreaterThan(0);
    expect(after.value(M.requests, { outcome: 'generated', status: '200', code: '' })).toBe(3);
  });

  it('counts requests refused by MAX_IN_FLIGHT, by limit and as 503 OVERLOADED', async () => {
    const { proxy } = await proxyWithMetrics({ env: { MAX_IN_FLIGHT: '1' } });
    lambda.enqueue({ ...answer(success('prew/small/one.jpg')), delayMs: 300 });

    const first = send(proxy.port, '/prew/small/one.jpg');
    await until(() => lambda.requests.length === 1);
    expect((await send(proxy.port, '/prew/small/two.jpg')).status).toBe(503);
    await first;

    const s = await scrape(`${proxy.url}/metrics`);
    expect(s.value(M.rejected, { limit: 'MAX_IN_FLIGHT' })).toBe(1);
    expect(s.value(M.requests, { outcome: 'overloaded', status: '503', code: 'OVERLOADED' })).toBe(1);
    expect(s.value(M.maxInFlight)).toBe(1);
  });

  it('counts S3 failures of stored previews: missing when opened, cut mid-stream; not a client leaving', async () => {
    const storage = new FakeReader();
    storage.put('previews-bucket', 'prew/small/cut.jpg', Buffer.alloc(64, 1), 'image/jpeg');
    storage.put('previews-bucket', 'prew/small/slow.jpg', Buffer.alloc(64, 1), 'image/jpeg');
    const open = storage.open.bind(storage);
    storage.open = async (bucket: string, key: string) => {
      const object = await open(bucket, key);
      if (!key.endsWith('cut.jpg')) return object;
      const body = new Readable({ read() {} });
      body.push(Buffer.alloc(16, 1));
      setTimeout(() => body.destroy(new Error('socket hang up')), 20);
      return { ...object, body };
    };
    storage.chunkDelayMs = 50;
    const { proxy } = await proxyWithMetrics({ storage });
    lambda.enqueue(answer(keyOnly('prew/small/gone.jpg')), answer(keyOnly('prew/small/cut.jpg')), answer(keyOnly('prew/small/slow.jpg')));

    expect((await send(proxy.port, '/prew/small/gone.jpg')).status).toBe(502);
    await expect(send(proxy.port, '/prew/small/cut.jpg')).rejects.toThrow();
    const leaving = new AbortController();
    const slow = send(proxy.port, '/prew/small/slow.jpg', { signal: leaving.signal });
    await until(() => storage.calls.length === 3);
    leaving.abort();
    await expect(slow).rejects.toThrow();
    await until(() => proxy.accessLogs().length === 3);

    const s = await scrape(`${proxy.url}/metrics`);
    expect(s.value(M.s3Errors, { stage: 'open' })).toBe(1);
    expect(s.value(M.s3Errors, { stage: 'stream' })).toBe(1);
    expect(s.value(M.requests, { outcome: 'error', status: '502', code: 'STORED_PREVIEW_MISSING' })).toBe(1);
    // Both others had sent their 200 before the body failed or the client left: the status is the one sent.
    expect(s.value(M.requests, { outcome: 'error', status: '200', code: 'STORAGE_FAILED' })).toBe(1);
    expect(s.value(M.requests, { outcome: 'aborted', status: '200', code: 'CLIENT_CLOSED' })).toBe(1);
  });

  it('exports the process and Node.js default metrics, answers HEAD and refuses other methods', async () => {
    const { proxy } = await proxyWithMetrics({ defaultMetrics: true });

    const s = await scrape(`${proxy.url}/metrics?debug=1`);
    s.family('process_cpu_user_seconds_total', 'counter');
    s.family('process_resident_memory_bytes', 'gauge');
    s.family('nodejs_eventloop_lag_seconds', 'gauge');
    s.family('nodejs_heap_size_used_bytes', 'gauge');
    const head = await send(proxy.port, '/metrics', { method: 'HEAD' });
    expect([head.status, head.body.length, Number(head.headers['content-length'])]).toEqual([200, 0, expect.any(Number)]);
    const post = await send(proxy.port, '/metrics', { method: 'POST' });
    expect([post.status, post.headers.allow]).toEqual([405, 'GET, HEAD']);
    // Only the exact path: anything else is the proxy's own 404.
    expect((await send(proxy.port, '/metrics/')).status).toBe(404);
  });
});

describe.skipIf(SKIP_WITHOUT_PROMETHEUS_PARSER)('Function: METRICS_PORT (metrics on a port of their own)', () => {
  it('serves /metrics there and nowhere on PORT', async () => {
    const { proxy, metrics } = await proxyWithMetrics({ env: { METRICS_PORT: '0' } });
    const server = await startMetricsServer(metrics, proxy.config.metrics.host, 0);
    try {
      lambda.enqueue(answer(success('prew/small/a.jpg')));
      await send(proxy.port, '/prew/small/a.jpg');
      await until(() => proxy.accessLogs().length === 1);

      const onPort = await send(proxy.port, '/metrics');
      expect([onPort.status, onPort.body.toString()]).toEqual([404, 'Not Found\n']);
      const s = await scrape(`${server.url}/metrics`);
      expect(s.value(M.requests, { outcome: 'generated', status: '200', code: '' })).toBe(1);
      expect(s.value(M.requests, { outcome: 'not-found', status: '404', code: '' })).toBe(1);
      expect((await fetch(`${server.url}/prew/small/a.jpg`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('reads an exposition written without a scrape (exposition())', async () => {
    const metrics = new ProxyMetrics({ defaultMetrics: false });
    metrics.observeRequest({ outcome: 'generated', status: 200, bytes: 10, durationMs: 120 });
    const { body } = await metrics.exposition();
    const s = await readScrape(body);
    const histogram = s.histogram(M.requestDuration, { outcome: 'generated' })!;
    expect(cumulative(histogram.buckets)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(histogram.sum).toBeCloseTo(0.12, 6);
  });
});
