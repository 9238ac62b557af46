/**
 * Load benchmark of nginx + the preview proxy on loopback (`npm run bench:proxy`).
 *
 * Starts the local stack (`local/stack.ts`: S3 and DynamoDB emulators, the local Lambda endpoint with
 * the real handler pipeline, the proxy, nginx in front) and drives it over HTTP with autocannon from a
 * separate process (`bench/proxy-load.ts`, so the load generator does not share the stack's event loop),
 * in four scenarios (a and c of at most `--duration` seconds each, default 10; b and d run to their end):
 *
 * a. `existing`: every request is for a preview already in S3 (nginx → S3, the proxy is not involved);
 * b. `distinct-missing`: `--distinct-requests` requests (default 600), each for a different missing preview
 *    (nginx → S3 404 → proxy → Lambda → resize), over small originals (640×480 JPEG → 320) so that the
 *    resize cost stays bounded; a fixed amount of work rather than a duration, so that no request is cut in
 *    flight (the proxy abandons an invocation its only caller left, so a cut request may or may not resize);
 * c. `one-missing`: rounds of `--burst` simultaneous requests for one missing preview each (a fresh key
 *    per round): the proxy's single flight and the function's idempotency must resize once per round;
 * d. `burst`: 1000 requests, 100 at a time, over 50 missing previews (request i asks for preview i mod
 *    50), on the one proxy with its default settings: no request may fail (issue 8: `MAX_IN_FLIGHT` used to
 *    count requests that only waited on a running invocation), and each preview is resized once.
 *
 * Reports requests/s, p50/p90/p99/max latency, errors (must be 0), the resizes per key and the
 * invocations and proxy requests counted by the stack; prints a table and merges the figures into
 * `bench/results.json` under `proxy` (the resize benchmark's figures are kept).
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeJpeg } from '@preview-lambda/fixtures/images';
import { findNginx } from '@preview-lambda/local/nginx';
import { type Stack, startStack } from '@preview-lambda/local/stack';
import { type LoadPlan, type LoadResult, runLoad } from './proxy-load.js';

const here = dirname(fileURLToPath(import.meta.url));

/** One scenario's figures. */
interface ScenarioResult {
  readonly name: string;
  readonly description: string;
  /** Connections (requests at once). */
  readonly concurrency: number;
  readonly requests: number;
  /** Requests cut in flight when the duration limit stopped the run (not errors). */
  readonly cutAtStop: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
  readonly errors: number;
  readonly errorSamples: readonly string[];
  readonly megabytes: number;
  /** Distinct previews asked for. */
  readonly keys: number;
  readonly resizes: number;
  /** `resizes / keys`: 1 for a missing preview generated once, 0 for previews already stored. */
  readonly resizesPerKey: number;
  readonly invocations: number;
  readonly proxyRequests: number;
  /** Requests nginx served from S3 alone, and those that went S3 (miss) → proxy, from nginx's access log. */
  readonly servedFromS3: number;
  readonly viaProxy: number;
  readonly rounds?: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index]!;
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** How many distinct previews a plan asked for, once run. */
type KeyCount = (load: LoadResult) => number;

async function scenario(
  stack: Stack,
  name: string,
  description: string,
  plan: LoadPlan,
  keys: KeyCount,
): Promise<ScenarioResult> {
  const before = {
    resizes: stack.counters.resizes(),
    invocations: stack.counters.invocations(),
    proxyRequests: stack.counters.proxyRequests(),
    logged: (await stack.nginx!.accessLog()).length,
  };
  process.stdout.write(`  ${name}: ${description} ...`);
  const load = await runLoad(plan);
  // nginx writes a line after each answer: let the last ones land.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const entries = (await stack.nginx!.accessLog()).slice(before.logged);
  const sorted = [...load.latenciesMs].sort((a, b) => a - b);
  const seconds = load.durationMs / 1000;
  const resizes = stack.counters.resizes() - before.resizes;
  const keyCount = keys(load);
  const result: ScenarioResult = {
    name,
    description,
    concurrency: plan.kind === 'stream' ? plan.connections : plan.burst,
    requests: load.requests,
    cutAtStop: load.sent - load.requests,
    seconds: round(seconds, 2),
    requestsPerSecond: round(load.requests / seconds),
    latencyMs: {
      p50: round(quantile(sorted, 0.5), 2),
      p90: round(quantile(sorted, 0.9), 2),
      p99: round(quantile(sorted, 0.99), 2),
      max: round(sorted.at(-1) ?? Number.NaN, 2),
    },
    errors: load.errors,
    errorSamples: load.errorSamples,
    megabytes: round(load.bytes / 1e6, 2),
    keys: keyCount,
    resizes,
    resizesPerKey: keyCount === 0 ? 0 : round(resizes / keyCount, 2),
    invocations: stack.counters.invocations() - before.invocations,
    proxyRequests: stack.counters.proxyRequests() - before.proxyRequests,
    servedFromS3: entries.filter((entry) => entry.upstreams.length === 1 && entry.status === 200).length,
    viaProxy: entries.filter((entry) => entry.upstreams.length === 2).length,
    ...(load.rounds === undefined ? {} : { rounds: load.rounds }),
  };
  process.stdout.write(` ${result.requests} requests, ${result.requestsPerSecond}/s, ${result.errors} errors\n`);
  return result;
}

function table(results: readonly ScenarioResult[]): string {
  const header = ['scenario', 'conc.', 'requests', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'errors'];
  header.push('keys', 'resizes', 'resizes/key', 'invocations', 'via proxy', 'from S3');
  const rows = results.map((r) => [
    r.name,
    String(r.concurrency),
    String(r.requests),
    String(r.requestsPerSecond),
    String(r.latencyMs.p50),
    String(r.latencyMs.p90),
    String(r.latencyMs.p99),
    String(r.latencyMs.max),
    String(r.errors),
    String(r.keys),
    String(r.resizes),
    r.resizesPerKey.toFixed(2),
    String(r.invocations),
    String(r.viaProxy),
    String(r.servedFromS3),
  ]);
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i]!.length)));
  const pad = (cell: string, i: number) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!));
  const line = (cells: string[]) => `| ${cells.map(pad).join(' | ')} |`;
  const rule = `|${widths.map((width, i) => (i === 0 ? '-'.repeat(width + 2) : `${'-'.repeat(width + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

function nginxVersion(path: string): string {
  // `nginx -v` prints to stderr.
  const result = spawnSync(path, ['-v'], { encoding: 'utf8' });
  return `${result.stdout}${result.stderr}`.trim().replace(/^nginx version: /, '') || 'unknown';
}

/** The burst of issue 8. */
const BURST = Object.freeze({ requests: 1000, connections: 100, keys: 50 });

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      'concurrency-existing': { type: 'string', default: '32' },
      'concurrency-missing': { type: 'string', default: '16' },
      'distinct-requests': { type: 'string', default: '600' },
      burst: { type: 'string', default: '50' },
      originals: { type: 'string', default: '2500' },
    },
  });
  const durationMs = Number(values.duration) * 1000;
  const concurrencyExisting = Number(values['concurrency-existing']);
  const concurrencyMissing = Number(values['concurrency-missing']);
  const distinctRequests = Number(values['distinct-requests']);
  const burst = Number(values.burst);
  const originals = Number(values.originals);
  const nginxPath = findNginx();
  if (nginxPath === undefined) {
    console.error('bench:proxy needs nginx (looked on PATH and in /usr/sbin); e.g. apt-get install nginx');
    return 1;
  }

  const started = performance.now();
  const prefixDir = mkdtempSync(join(tmpdir(), 'preview-bench-nginx-'));
  const stack = await startStack({
    nginx: 'required',
    nginxPath,
    nginxPrefixDir: prefixDir,
    presets: 'small=320',
    seed: false,
    handlerEnv: { LOG_LEVEL: 'ERROR' },
  });
  try {
    const base = stack.nginx!.url;
    const source = await makeJpeg({ width: 640, height: 480, seed: 7 });
    console.log(
      `stack up: nginx ${base}, proxy ${stack.proxy.url}, Lambda ${stack.lambda.url}, ` +
        `S3 ${stack.emulators.s3Endpoint}`,
    );
    console.log(`uploading ${originals} originals (640x480 JPEG, ${source.byteLength} bytes) ...`);
    const keys = Array.from({ length: originals }, (_, i) => `bench/${String(i).padStart(5, '0')}.jpg`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((key) => stack.putOriginal(key, source)));
    }
    const preview = (key: string): string => `/prew/small/${key}`;
    // Previews that exist for (a): 50 keys generated once, through nginx and the proxy.
    const existing = keys.slice(0, 50).map(preview);
    await runLoad({ kind: 'stream', baseUrl: base, paths: existing, cycle: false, connections: 8, durationMs: 60_000 });
    // The last 400 originals for (c) (one fresh key per round), 50 before them for (d), the rest for (b).
    const roundKeys = keys.slice(-400).map(preview);
    const burstKeys = keys.slice(-400 - BURST.keys, -400).map(preview);
    const distinctKeys = keys.slice(50, -400 - BURST.keys).map(preview);
    const load = loadavg().map((n) => round(n, 2));
    const setupSeconds = round((performance.now() - started) / 1000);
    console.log(`setup took ${setupSeconds} s; ${availableParallelism()} CPUs, load average ${load.join(' ')}`);

    // Warm-up (not counted): connections, JIT.
    await runLoad({
      kind: 'stream',
      baseUrl: base,
      paths: existing,
      cycle: true,
      connections: concurrencyExisting,
      durationMs: 1_000,
    });
    const scenarios: [name: string, description: string, plan: LoadPlan, keys: KeyCount][] = [
      [
        'existing',
        'previews already in S3 (nginx → S3)',
        { kind: 'stream', baseUrl: base, paths: existing, cycle: true, connections: concurrencyExisting, durationMs },
        () => existing.length,
      ],
      [
        'distinct-missing',
        'a different missing preview per request (S3 404 → proxy → Lambda)',
        {
          kind: 'stream',
          baseUrl: base,
          paths: distinctKeys,
          cycle: false,
          connections: concurrencyMissing,
          amount: Math.min(distinctRequests, distinctKeys.length),
          // A safety net only: the row is about all of its requests.
          durationMs: Math.max(durationMs, 120_000),
        },
        (run) => run.sent,
      ],
      [
        'one-missing',
        `rounds of ${burst} simultaneous requests for one missing preview`,
        { kind: 'rounds', baseUrl: base, paths: roundKeys, burst, durationMs },
        (run) => run.rounds ?? 0,
      ],
      [
        'burst',
        `${BURST.requests} requests, ${BURST.connections} at a time, for ${BURST.keys} missing previews`,
        {
          kind: 'stream',
          baseUrl: base,
          paths: burstKeys,
          cycle: true,
          connections: BURST.connections,
          amount: BURST.requests,
          // Runs to its end: the row is about every one of the 1000 answers.
          durationMs: Math.max(durationMs, 120_000),
        },
        () => BURST.keys,
      ],
    ];
    const results: ScenarioResult[] = [];
    for (const [name, description, plan, keys] of scenarios) {
      results.push(await scenario(stack, name, description, plan, keys));
    }

    console.log();
    console.log(table(results));
    console.log();
    const failed = results.filter((result) => result.errors > 0);
    for (const result of failed) {
      console.log(`ERRORS in ${result.name}: ${result.errors}; e.g. ${result.errorSamples.join('; ')}`);
    }
    const [, distinct, rounds, bursts] = results;
    if (distinctRequests > distinctKeys.length) {
      console.log(`note: distinct-missing has ${distinctKeys.length} originals for ${distinctRequests} requests; raise --originals`);
    }
    if (rounds!.rounds === roundKeys.length) {
      console.log(`note: one-missing ran out of originals (${roundKeys.length} rounds) before --duration`);
    }
    console.log(
      `one-missing: ${rounds!.resizes} resizes for ${rounds!.rounds} rounds; burst: ${bursts!.resizes} resizes ` +
        `for ${BURST.keys} previews, ${bursts!.requests} of ${BURST.requests} requests answered (expected one ` +
        `resize per preview); distinct-missing: ${distinct!.resizes} resizes for ${distinct!.keys} requests`,
    );
    console.log(failed.length === 0 ? 'errors: 0 in every scenario' : 'ERRORS: see above (expected 0)');

    const file = join(here, 'results.json');
    const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
    const proxy = {
      machine: {
        date: new Date().toISOString(),
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: availableParallelism(),
        loadAverage: load,
        node: process.version,
        nginx: nginxVersion(nginxPath),
        emulators: stack.backend,
      },
      setup: {
        note:
          'everything on loopback on one machine: load generator (autocannon, own process), nginx (1 worker), ' +
          'and one Node process with the S3/DynamoDB emulators, the local Lambda endpoint and the proxy',
        loadGenerator: 'autocannon',
        original: '640x480 JPEG',
        preset: 'small=320',
        durationLimitSeconds: durationMs / 1000,
      },
      scenarios: results,
      durationSeconds: round((performance.now() - started) / 1000),
    };
    writeFileSync(file, `${JSON.stringify({ ...previous, proxy }, null, 2)}\n`);
    console.log(`wrote bench/results.json (proxy) in ${proxy.durationSeconds} s`);
    const incomplete = bursts!.requests < BURST.requests;
    if (incomplete) console.log(`ERROR: the burst answered ${bursts!.requests} of ${BURST.requests} requests`);
    return failed.length === 0 && !incomplete ? 0 : 1;
  } finally {
    await stack.stop();
    rmSync(prefixDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
// SDK clients may keep sockets alive.
process.exit();
