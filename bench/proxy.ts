/**
 * Load benchmark of nginx + the preview proxy on loopback (`npm run bench:proxy`).
 *
 * Starts the local stack (`local/stack.ts`: S3 and DynamoDB emulators, the local Lambda endpoint with
 * the real handler pipeline, the proxy, nginx in front) and drives it over HTTP from a separate process
 * (so the load generator does not share the stack's event loop), in three scenarios of at most
 * `--duration` seconds each (default 10):
 *
 * a. `existing`: every request is for a preview already in S3 (nginx → S3, the proxy is not involved);
 * b. `distinct-missing`: every request is for a different missing preview (nginx → S3 404 → proxy →
 *    Lambda → resize), over small originals (640×480 JPEG → 320) so that the resize cost stays bounded;
 * c. `one-missing`: rounds of `--burst` simultaneous requests for one missing preview each (a fresh key
 *    per round): the proxy's single flight and the function's idempotency must resize once per round.
 *
 * Reports requests/s, p50/p90/p99/max latency, errors (must be 0) and the resizes, invocations and proxy
 * requests counted by the stack; prints a table and merges the figures into `bench/results.json` under
 * `proxy` (the resize benchmark's figures are kept).
 *
 * @module
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeJpeg } from '../local/images.js';
import { findNginx } from '../local/nginx.js';
import { type Stack, startStack } from '../local/stack.js';

const here = dirname(fileURLToPath(import.meta.url));

/** What the load generator is asked to do. */
type LoadPlan =
  | {
      readonly kind: 'closed-loop';
      readonly baseUrl: string;
      /** Paths requested in order by `concurrency` workers; cycled when `cycle`, else each once. */
      readonly paths: readonly string[];
      readonly cycle: boolean;
      readonly concurrency: number;
      readonly durationMs: number;
    }
  | {
      readonly kind: 'bursts';
      readonly baseUrl: string;
      /** One path per round; each round sends `burst` requests for it at once. */
      readonly paths: readonly string[];
      readonly burst: number;
      readonly durationMs: number;
    };

/** What the load generator measured. */
interface LoadResult {
  readonly requests: number;
  readonly durationMs: number;
  readonly latenciesMs: number[];
  readonly errors: number;
  readonly errorSamples: string[];
  readonly bytes: number;
  readonly rounds?: number;
}

/** One scenario's figures. */
interface ScenarioResult {
  readonly name: string;
  readonly description: string;
  readonly concurrency: number;
  readonly requests: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
  readonly errors: number;
  readonly errorSamples: readonly string[];
  readonly megabytes: number;
  readonly resizes: number;
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

// ---------------------------------------------------------------------------------------------------------
// The load generator (child process).

/** One GET; resolves with status, body hash and size, or rejects on a network error. */
function get(agent: Agent, url: URL): Promise<{ status: number; contentType: string; hash: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname + url.search, agent }, (res) => {
      const hash = createHash('md5');
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.byteLength;
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type']),
          hash: hash.digest('hex'),
          bytes,
        }),
      );
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', reject);
    req.end();
  });
}

async function generateLoad(plan: LoadPlan): Promise<LoadResult> {
  const concurrency = plan.kind === 'closed-loop' ? plan.concurrency : plan.burst;
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latenciesMs: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  let bytes = 0;
  const error = (what: string): void => {
    errors += 1;
    if (errorSamples.length < 5) errorSamples.push(what);
  };
  const one = async (path: string): Promise<string | undefined> => {
    const started = performance.now();
    try {
      const response = await get(agent, new URL(path, plan.baseUrl));
      latenciesMs.push(performance.now() - started);
      bytes += response.bytes;
      if (response.status !== 200 || response.contentType !== 'image/jpeg' || response.bytes === 0) {
        error(`${path}: ${response.status} ${response.contentType} ${response.bytes} bytes`);
        return undefined;
      }
      return response.hash;
    } catch (failure) {
      latenciesMs.push(performance.now() - started);
      error(`${path}: ${(failure as Error).message}`);
      return undefined;
    }
  };

  const started = performance.now();
  const deadline = started + plan.durationMs;
  let rounds = 0;
  if (plan.kind === 'closed-loop') {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (performance.now() < deadline) {
        if (!plan.cycle && next >= plan.paths.length) return;
        const path = plan.paths[next % plan.paths.length]!;
        next += 1;
        await one(path);
      }
    };
    await Promise.all(Array.from({ length: plan.concurrency }, worker));
  } else {
    for (const path of plan.paths) {
      if (performance.now() >= deadline) break;
      const hashes = await Promise.all(Array.from({ length: plan.burst }, () => one(path)));
      rounds += 1;
      const distinct = new Set(hashes.filter((hash) => hash !== undefined));
      if (distinct.size > 1) error(`${path}: ${distinct.size} different bodies in one round`);
    }
  }
  const durationMs = performance.now() - started;
  agent.destroy();
  return {
    requests: latenciesMs.length,
    durationMs,
    latenciesMs,
    errors,
    errorSamples,
    bytes,
    ...(plan.kind === 'bursts' ? { rounds } : {}),
  };
}

/** Runs the load generator in a child process (its own CPU time and event loop). */
function runLoad(plan: LoadPlan): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), '--child', JSON.stringify(plan)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited with ${code}`));
      try {
        resolve(JSON.parse(out.slice(out.indexOf('{'))) as LoadResult);
      } catch (error) {
        reject(new Error(`load generator printed no result: ${String(error)}\n${out}`));
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// The benchmark (parent process).

async function scenario(
  stack: Stack,
  name: string,
  description: string,
  plan: LoadPlan,
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
  const result: ScenarioResult = {
    name,
    description,
    concurrency: plan.kind === 'closed-loop' ? plan.concurrency : plan.burst,
    requests: load.requests,
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
    resizes: stack.counters.resizes() - before.resizes,
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
  header.push('resizes', 'invocations', 'via proxy', 'from S3');
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
    String(r.resizes),
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

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      'concurrency-existing': { type: 'string', default: '32' },
      'concurrency-missing': { type: 'string', default: '16' },
      burst: { type: 'string', default: '50' },
      originals: { type: 'string', default: '2500' },
    },
  });
  const durationMs = Number(values.duration) * 1000;
  const concurrencyExisting = Number(values['concurrency-existing']);
  const concurrencyMissing = Number(values['concurrency-missing']);
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
    // Previews that exist for (a): 50 keys generated once, through nginx and the proxy.
    const existing = keys.slice(0, 50).map((key) => `/prew/small/${key}`);
    await runLoad({ kind: 'closed-loop', baseUrl: base, paths: existing, cycle: false, concurrency: 8, durationMs: 60_000 });
    // The last 400 originals for (c) (one fresh key per round), the rest for (b).
    const burstKeys = keys.slice(-400);
    const distinctKeys = keys.slice(50, -400).map((key) => `/prew/small/${key}`);
    const load = loadavg().map((n) => round(n, 2));
    const setupSeconds = round((performance.now() - started) / 1000);
    console.log(`setup took ${setupSeconds} s; ${availableParallelism()} CPUs, load average ${load.join(' ')}`);

    // Warm-up (not counted): connections, JIT.
    await runLoad({
      kind: 'closed-loop',
      baseUrl: base,
      paths: existing,
      cycle: true,
      concurrency: concurrencyExisting,
      durationMs: 1_000,
    });
    const results: ScenarioResult[] = [];
    results.push(
      await scenario(stack, 'existing', 'previews already in S3 (nginx → S3)', {
        kind: 'closed-loop',
        baseUrl: base,
        paths: existing,
        cycle: true,
        concurrency: concurrencyExisting,
        durationMs,
      }),
    );
    results.push(
      await scenario(stack, 'distinct-missing', 'a different missing preview per request (S3 404 → proxy → Lambda)', {
        kind: 'closed-loop',
        baseUrl: base,
        paths: distinctKeys,
        cycle: false,
        concurrency: concurrencyMissing,
        durationMs,
      }),
    );
    results.push(
      await scenario(stack, 'one-missing', `rounds of ${burst} simultaneous requests for one missing preview`, {
        kind: 'bursts',
        baseUrl: base,
        paths: burstKeys.map((key) => `/prew/small/${key}`),
        burst,
        durationMs,
      }),
    );

    console.log();
    console.log(table(results));
    console.log();
    const failed = results.filter((result) => result.errors > 0);
    for (const result of failed) {
      console.log(`ERRORS in ${result.name}: ${result.errors}; e.g. ${result.errorSamples.join('; ')}`);
    }
    const distinct = results[1]!;
    if (distinct.requests >= distinctKeys.length) {
      console.log(`note: distinct-missing ran out of originals (${distinctKeys.length}); raise --originals`);
    }
    if (results[2]!.rounds === burstKeys.length) {
      console.log(`note: one-missing ran out of originals (${burstKeys.length} rounds) before --duration`);
    }
    const bursts = results[2]!;
    const resizesPerRound = bursts.rounds === undefined ? [] : [`${bursts.resizes} resizes for ${bursts.rounds} rounds`];
    console.log(
      `one-missing: ${resizesPerRound.join('')} (expected one per round); ` +
        `distinct-missing: ${distinct.resizes} resizes for ${distinct.requests} requests`,
    );
    console.log(failed.length === 0 ? 'errors: 0 in every scenario' : 'ERRORS: see above (expected 0)');

    const file = join(here, 'results.json');
    const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
    const proxy = {
      machine: {
        date: new Date().toISOString(),
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: availableParallelism(),
        node: process.version,
        nginx: nginxVersion(nginxPath),
        emulators: stack.backend,
      },
      setup: {
        note:
          'everything on loopback on one machine: load generator (own process), nginx (1 worker), and one ' +
          'Node process with the S3/DynamoDB emulators, the local Lambda endpoint and the proxy',
        original: '640x480 JPEG',
        preset: 'small=320',
        durationLimitSeconds: durationMs / 1000,
      },
      scenarios: results,
      durationSeconds: round((performance.now() - started) / 1000),
    };
    writeFileSync(file, `${JSON.stringify({ ...previous, proxy }, null, 2)}\n`);
    console.log(`wrote bench/results.json (proxy) in ${proxy.durationSeconds} s`);
    return failed.length === 0 ? 0 : 1;
  } finally {
    await stack.stop();
    rmSync(prefixDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  const result = await generateLoad(JSON.parse(process.argv[3]!) as LoadPlan);
  process.stdout.write(JSON.stringify(result));
} else {
  process.exitCode = await main();
  // SDK clients may keep sockets alive.
  process.exit();
}
