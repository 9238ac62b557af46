/**
 * What observability costs on the hot paths (`npm run bench:metrics`), each variant interleaved with its
 * baseline in one run, rounds alternating, medians and ratios printed:
 *
 * a. the function: one invocation's EMF blob (`PreviewMetrics.publish`, Powertools' `publishStoredMetrics`
 *    as in production; the write to stdout itself is left out: a pipe write of ~1 KB) and the four
 *    `timePhase`/`timeExclusive` wrappers, in µs per invocation;
 * b. the proxy: requests/s and p99 latency of the proxy alone (an instant fake invoker, 16 KB previews,
 *    autocannon in a child process), with metrics and a scrape every second vs without metrics.
 *
 * Figures depend on the machine and its load: quote the ratios.
 *
 * @module
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { PreviewMetrics, timeExclusive, timePhase, type InvocationSummary } from '@preview-lambda/handler/metrics';
import type { PreviewResult, ResizeRequest } from '@preview-lambda/invoker';
import { createProxyLogger, createProxyServer, parseProxyConfig, ProxyMetrics } from '@preview-lambda/proxy';
import type { PreviewObjectReader } from '@preview-lambda/proxy/s3';
import { median, quantile, round1, table } from './lib/stats.js';
import { runLoad } from './proxy-load.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    invocations: { type: 'string', default: '20000' },
    duration: { type: 'string', default: '4' },
    connections: { type: 'string', default: '32' },
  },
});
const ROUNDS = Number(values.rounds);
const INVOCATIONS = Number(values.invocations);
const DURATION_MS = Number(values.duration) * 1000;
const CONNECTIONS = Number(values.connections);

/** A summary as the handler fills it for an executed invocation. */
function summary(): InvocationSummary {
  return {
    request_src_bucket: 'photos',
    request_src_key: 'photo/2024/05/a.jpg',
    request_preset_name: 'small',
    request_width: 320,
    key: 'prew/small/2024/05/a.jpg',
    outcome: 'executed',
    bytes_in: 1_335_139,
    bytes_out: 18_643,
    source_width: 2400,
    source_height: 1600,
    duration_ms: 45,
  };
}

/** µs per invocation of `step` over {@link INVOCATIONS} invocations. */
async function perInvocation(step: (s: InvocationSummary) => Promise<void> | void): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < INVOCATIONS; i++) await step(summary());
  return ((performance.now() - started) * 1000) / INVOCATIONS;
}

async function functionCost(): Promise<string[][]> {
  const metrics = new PreviewMetrics({ namespace: 'PreviewLambda', serviceName: 'preview-lambda' });
  const write = process.stdout.write;
  const step = async (): Promise<number> => 1;
  const variants: Record<string, (s: InvocationSummary) => Promise<void> | void> = {
    'summary only (baseline)': () => undefined,
    'summary + EMF blob (publishStoredMetrics)': (s) => metrics.publish(s, 'small'),
    'four awaited steps (baseline)': async () => {
      await step();
      await step();
      await step();
      await step();
    },
    'four steps timed (timePhase, timeExclusive)': async (s) => {
      await timeExclusive(s, 'idempotency', async () => {
        await timePhase(s, 'read', step);
        await timePhase(s, 'resize', step);
        await timePhase(s, 'write', step);
      });
    },
  };
  const results = new Map(Object.keys(variants).map((name) => [name, [] as number[]]));
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, variant] of Object.entries(variants)) results.get(name)!.push(await perInvocation(variant));
    }
  } finally {
    process.stdout.write = write;
  }
  return [...results].map(([name, us]) => [name, String(round1(median(us))), us.map(round1).join(' ')]);
}

/** An invoker that answers at once with a 16 KB JPEG-looking preview. */
const PREVIEW = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(16_380, 7)]);
const instantInvoker = {
  invoke: async (request: ResizeRequest): Promise<PreviewResult> => ({
    kind: 'preview',
    key: `prew/${request.preset_name}/${request.src_key}`,
    contentType: 'image/jpeg',
    bytes: PREVIEW,
    attempts: 1,
    response: { status: true, key: '', content_type: 'image/jpeg', data: '', error: '' },
  }),
};
const noStorage: PreviewObjectReader = {
  stat: () => Promise.reject(new Error('unused')),
  open: () => Promise.reject(new Error('unused')),
};

async function proxyCost(): Promise<string[][]> {
  const config = parseProxyConfig({ PORT: '0', SOURCE_BUCKET: 'photos', PRESETS: 'small=320', LOG_LEVEL: 'silent' });
  const logger = createProxyLogger({ level: 'silent' });
  const metrics = new ProxyMetrics();
  const servers = {
    'without metrics': createProxyServer({ config, logger, invoker: instantInvoker, storage: noStorage }),
    'with metrics, scraped every second': createProxyServer({ config, logger, invoker: instantInvoker, storage: noStorage, metrics }),
  };
  const urls = Object.fromEntries(await Promise.all(Object.entries(servers).map(async ([name, server]) => [name, (await server.listen()).url])));
  const paths = Array.from({ length: 1000 }, (_, i) => `/prew/small/bench/${i}.jpg`);
  const figures = new Map(Object.keys(servers).map((name) => [name, { rps: [] as number[], p99: [] as number[], errors: 0 }]));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of Object.keys(servers)) {
        const scraper = name.startsWith('with') ? setInterval(() => void fetch(`${urls[name]}/metrics`).then((r) => r.text()), 1_000) : undefined;
        const load = await runLoad({ kind: 'stream', baseUrl: urls[name]!, paths, cycle: true, connections: CONNECTIONS, durationMs: DURATION_MS });
        clearInterval(scraper);
        const entry = figures.get(name)!;
        entry.rps.push((load.requests * 1000) / load.durationMs);
        entry.p99.push(quantile(load.latenciesMs, 0.99));
        entry.errors += load.errors;
      }
    }
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.close()));
  }
  const base = median(figures.get('without metrics')!.rps);
  return [...figures].map(([name, { rps, p99, errors }]) => [
    name,
    String(Math.round(median(rps))),
    (median(rps) / base).toFixed(3),
    String(round1(median(p99))),
    String(errors),
  ]);
}

console.log(`bench:metrics on ${cpus()[0]?.model ?? 'unknown CPU'} × ${availableParallelism()}, load ${loadavg().map(round1).join(' ')}`);
console.log(`${ROUNDS} interleaved rounds; medians\n`);
console.log('a. the function, per invocation (µs)\n');
console.log(table(['variant', 'median µs', 'rounds'], await functionCost()));
console.log(`\nb. the proxy alone, ${CONNECTIONS} connections, ${DURATION_MS / 1000} s per round\n`);
console.log(table(['variant', 'req/s', 'ratio', 'p99 ms', 'errors'], await proxyCost()));
