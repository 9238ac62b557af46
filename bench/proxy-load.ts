/**
 * The load generator of `npm run bench:proxy`: autocannon, run in a child process of the benchmark (so that
 * it does not share the event loop of the stack it measures) and driven by a JSON {@link LoadPlan}.
 *
 * Every answer must be `200 image/jpeg` with a body; anything else, a connection error or a timeout counts as
 * an error. Latencies are autocannon's per-response times (first byte of the request written to the last
 * byte of the answer read), collected from its `response` events so that several runs can be merged.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

/** What the load generator is asked to do. */
export type LoadPlan =
  | {
      /** One autocannon run: `connections` keep-alive connections, each sending its next request on an answer. */
      readonly kind: 'stream';
      readonly baseUrl: string;
      /** Paths, taken in order by whichever connection sends next; cycled when `cycle`, else each once. */
      readonly paths: readonly string[];
      readonly cycle: boolean;
      readonly connections: number;
      /** Stops after this many ms (requests in flight are not waited for). */
      readonly durationMs: number;
      /** Stops after this many requests, when sooner. Default: `paths.length` when not cycling, else no limit. */
      readonly amount?: number;
    }
  | {
      /** Rounds: `burst` requests at once for one path (one fresh connection each), then the next path. */
      readonly kind: 'rounds';
      readonly baseUrl: string;
      /** One path per round. */
      readonly paths: readonly string[];
      readonly burst: number;
      readonly durationMs: number;
    };

/** What the load generator measured. */
export interface LoadResult {
  /** Requests answered, or failed (errors). */
  readonly requests: number;
  /**
   * Requests written. A `stream` run stopped by its duration cuts the requests still in flight: they are
   * neither answered nor errors, but the stack handles them (a missing preview is still generated).
   */
  readonly sent: number;
  /** From the first request to the end of the last answer, in ms. */
  readonly durationMs: number;
  readonly latenciesMs: number[];
  readonly errors: number;
  readonly errorSamples: string[];
  readonly bytes: number;
  /** Rounds completed (`rounds` plans). */
  readonly rounds?: number;
}

/** No answer within this many seconds is an error (autocannon's `timeout`). */
const TIMEOUT_SECONDS = 30;

/** Counts, latencies and errors over one or more autocannon runs. */
class Tally {
  public readonly latenciesMs: number[] = [];
  public readonly errorSamples: string[] = [];
  public errors = 0;
  /** Requests that got no answer (connection error, timeout): errors, not answers. */
  public unanswered = 0;
  public bytes = 0;

  public error(what: string): void {
    this.errors += 1;
    if (this.errorSamples.length < 5) this.errorSamples.push(what);
  }

  /** Runs autocannon with `options`, tallying every answer; resolves when it is done or `stopAfterMs` passed. */
  public async run(options: autocannon.Options, stopAfterMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve, reject) => {
      const instance = autocannon({ timeout: TIMEOUT_SECONDS, sampleInt: 5, ...options }, (error: unknown) =>
        error === null || error === undefined ? resolve() : reject(error instanceof Error ? error : new Error(String(error))),
      );
      instance.on('response', (_client, _status, resBytes, responseTime) => {
        this.latenciesMs.push(responseTime);
        this.bytes += resBytes;
      });
      instance.on('reqError', (error: Error) => {
        this.unanswered += 1;
        this.error(error.message);
      });
      timer = setTimeout(() => instance.stop(), stopAfterMs);
    }).finally(() => clearTimeout(timer));
  }

  /**
   * An `onResponse` that checks `200 image/jpeg` with a body and passes the ETag on. `path` gets the
   * connection's context: autocannon calls `onResponse` before it sets up that connection's next request.
   */
  public checker(
    path: (context: Record<string, unknown>) => string,
    onEtag?: (etag: string | undefined) => void,
  ): autocannon.Request['onResponse'] {
    return (status, _body, context, headers) => {
      const header = (name: string): string | undefined => {
        const entry = Object.entries(headers ?? {}).find(([key]) => key.toLowerCase() === name);
        return entry === undefined ? undefined : String(entry[1]);
      };
      const type = header('content-type');
      const length = Number(header('content-length') ?? '0');
      if (status !== 200 || type !== 'image/jpeg' || length === 0) {
        this.error(`${path(context as Record<string, unknown>)}: ${status} ${type} ${length} bytes`);
      }
      onEtag?.(header('etag'));
    };
  }
}

/** Runs `plan` in this process. */
export async function generateLoad(plan: LoadPlan): Promise<LoadResult> {
  const tally = new Tally();
  const started = performance.now();
  let rounds = 0;
  let sent = 0;
  if (plan.kind === 'stream') {
    let next = 0;
    const amount = plan.amount ?? (plan.cycle ? undefined : plan.paths.length);
    await tally.run(
      {
        url: plan.baseUrl,
        connections: plan.connections,
        ...(amount === undefined ? { duration: plan.durationMs / 1000 } : { amount }),
        requests: [
          {
            setupRequest: (request, context) => {
              const path = plan.paths[next % plan.paths.length]!;
              next += 1;
              sent += 1;
              (context as Record<string, unknown>).path = path;
              return { ...request, path };
            },
            onResponse: tally.checker((context) => String(context.path)),
          },
        ],
      },
      plan.durationMs,
    );
  } else {
    for (const path of plan.paths) {
      if (performance.now() - started >= plan.durationMs) break;
      // The proxy and S3 both send the MD5 of the bytes as ETag: one round, one ETag.
      const etags = new Set<string | undefined>();
      await tally.run(
        {
          url: plan.baseUrl,
          connections: plan.burst,
          amount: plan.burst,
          requests: [{ path, onResponse: tally.checker(() => path, (etag) => etags.add(etag)) }],
        },
        plan.durationMs,
      );
      rounds += 1;
      sent += plan.burst;
      if (etags.size > 1) tally.error(`${path}: ${etags.size} different bodies (ETags) in one round`);
    }
  }
  return {
    requests: tally.latenciesMs.length + tally.unanswered,
    sent,
    durationMs: performance.now() - started,
    latenciesMs: tally.latenciesMs,
    errors: tally.errors,
    errorSamples: tally.errorSamples,
    bytes: tally.bytes,
    ...(plan.kind === 'rounds' ? { rounds } : {}),
  };
}

/** Runs `plan` in a child process (its own CPU time and event loop) and resolves with what it measured. */
export function runLoad(plan: LoadPlan): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), JSON.stringify(plan)],
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

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await generateLoad(JSON.parse(process.argv[2]!) as LoadPlan);
  process.stdout.write(JSON.stringify(result));
}
