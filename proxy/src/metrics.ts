/**
 * The proxy's Prometheus metrics (prom-client), served as text at `GET /metrics`: on the proxy's own port,
 * or on a port of their own (`METRICS_PORT`). nginx never passes `/metrics` on (proxy/nginx/, tested).
 *
 * Every name is stated here once ({@link PROXY_METRICS}) and listed in the README ("Operating"). Labels stay
 * low-cardinality: outcome (the access log's), status, code (the `X-Preview-Error` codes), limit, stage;
 * never a path or key. Each {@link ProxyMetrics} has its own registry (tests run several in one process).
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { PreviewInvokerObserver } from '@preview-lambda/invoker';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AdmissionLimit, AdmissionLimits } from './admission.js';
import { listen } from './listen.js';
import { targetPath } from './route.js';
import type { PreviewObjectReader, ReadOptions } from './s3.js';

/** Path of the metrics, on the proxy's port or on `METRICS_PORT`. */
export const METRICS_PATH = '/metrics';

/** Every metric the proxy defines (prom-client adds its default `process_*` and `nodejs_*` ones). */
export const PROXY_METRICS = Object.freeze({
  requests: 'preview_proxy_requests_total',
  requestDuration: 'preview_proxy_request_duration_seconds',
  sentBytes: 'preview_proxy_sent_bytes_total',
  previewsInFlight: 'preview_proxy_previews_in_flight',
  joinersWaiting: 'preview_proxy_joiners_waiting',
  maxInFlight: 'preview_proxy_max_in_flight',
  maxCoalesced: 'preview_proxy_max_coalesced',
  rejected: 'preview_proxy_rejected_requests_total',
  joins: 'preview_proxy_single_flight_joins_total',
  invocations: 'preview_proxy_invoker_attempts_total',
  inProgressWaits: 'preview_proxy_invoker_in_progress_waits_total',
  inProgressWaitSeconds: 'preview_proxy_invoker_in_progress_wait_seconds_total',
  s3Errors: 'preview_proxy_s3_stream_errors_total',
} as const);

/**
 * Buckets of the request duration histogram, in seconds: a stored preview streamed from S3 takes
 * milliseconds, a generated one 0.1-2 s, a request ends at `REQUEST_TIMEOUT_MS` (25 s by default) at the latest.
 */
export const REQUEST_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
]);

/** What the admission gauges read (`PreviewAdmission`). */
export interface AdmissionState {
  /** Distinct previews being handled (at most one invocation each). */
  readonly distinct: number;
  /** Requests waiting on a preview another request is handling. */
  readonly coalesced: number;
}

/** How one request ended, as the access log says it. */
export interface AnsweredRequest {
  /** The access log's outcome, e.g. `generated`, `stored`, `not-found`, `timeout`. */
  readonly outcome: string;
  /** The status sent (499 when the client left first). */
  readonly status: number;
  /** The `X-Preview-Error` code of a failure; none for a success. */
  readonly code?: string | undefined;
  /** Body bytes sent. */
  readonly bytes: number;
  /** From arrival to the end of the answer, in ms. */
  readonly durationMs: number;
}

/** Options of {@link ProxyMetrics}. */
export interface ProxyMetricsOptions {
  /** Also export prom-client's default process and Node.js metrics. Default: `true`. */
  readonly defaultMetrics?: boolean;
}

/** The proxy's metrics and their registry. */
export class ProxyMetrics {
  /** The registry {@link ProxyMetrics.exposition} renders. */
  public readonly registry = new Registry();
  /** Scrapes answered so far (tests prove nginx never passes one on). */
  public scrapes = 0;
  readonly #requests: Counter<'outcome' | 'status' | 'code'>;
  readonly #duration: Histogram<'outcome'>;
  readonly #sentBytes: Counter<'outcome'>;
  readonly #rejected: Counter<'limit'>;
  readonly #joins: Counter;
  readonly #invocations: Counter;
  readonly #waits: Counter;
  readonly #waitSeconds: Counter;
  readonly #s3Errors: Counter<'stage'>;
  readonly #limits: { readonly inFlight: Gauge; readonly coalesced: Gauge };
  #admission: AdmissionState | undefined;

  public constructor(options: ProxyMetricsOptions = {}) {
    const registers = [this.registry];
    const admission = (): AdmissionState | undefined => this.#admission;
    this.#requests = new Counter({
      name: PROXY_METRICS.requests,
      help: 'Requests answered, by the access log outcome, the status sent (499: the client left) and the X-Preview-Error code',
      labelNames: ['outcome', 'status', 'code'],
      registers,
    });
    this.#duration = new Histogram({
      name: PROXY_METRICS.requestDuration,
      help:
        'Time from a request’s arrival to the end of its answer, by outcome (generated, stored: streamed from S3, and each failure)',
      labelNames: ['outcome'],
      buckets: [...REQUEST_DURATION_BUCKETS],
      registers,
    });
    this.#sentBytes = new Counter({
      name: PROXY_METRICS.sentBytes,
      help: 'Body bytes sent, by outcome',
      labelNames: ['outcome'],
      registers,
    });
    new Gauge({
      name: PROXY_METRICS.previewsInFlight,
      help: 'Distinct previews being handled now (at most one invocation each); MAX_IN_FLIGHT bounds it',
      registers,
      collect() {
        this.set(admission()?.distinct ?? 0);
      },
    });
    new Gauge({
      name: PROXY_METRICS.joinersWaiting,
      help: 'Requests waiting now on a preview another request is handling; MAX_COALESCED bounds it',
      registers,
      collect() {
        this.set(admission()?.coalesced ?? 0);
      },
    });
    this.#limits = {
      inFlight: new Gauge({
        name: PROXY_METRICS.maxInFlight,
        help: 'MAX_IN_FLIGHT, the bound of preview_proxy_previews_in_flight',
        registers,
      }),
      coalesced: new Gauge({
        name: PROXY_METRICS.maxCoalesced,
        help: 'MAX_COALESCED, the bound of preview_proxy_joiners_waiting',
        registers,
      }),
    };
    this.#rejected = new Counter({
      name: PROXY_METRICS.rejected,
      help: 'Requests answered 503 because MAX_IN_FLIGHT or MAX_COALESCED was reached, by limit',
      labelNames: ['limit'],
      registers,
    });
    this.#joins = new Counter({
      name: PROXY_METRICS.joins,
      help: 'Requests that joined an identical invocation in flight instead of invoking',
      registers,
    });
    this.#invocations = new Counter({
      name: PROXY_METRICS.invocations,
      help: 'Invoke API calls the invoker made (the SDK’s own retries apart)',
      registers,
    });
    this.#waits = new Counter({
      name: PROXY_METRICS.inProgressWaits,
      help: 'Waits because an identical request was in progress in another execution of the function',
      registers,
    });
    this.#waitSeconds = new Counter({
      name: PROXY_METRICS.inProgressWaitSeconds,
      help: 'Seconds spent in those waits',
      registers,
    });
    this.#s3Errors = new Counter({
      name: PROXY_METRICS.s3Errors,
      help: 'Stored previews that could not be read from S3: when opening (HeadObject, GetObject) or mid-stream',
      labelNames: ['stage'],
      registers,
    });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** The callbacks to give the `PreviewInvoker` (`observer`): invocations, in-progress waits, joins. */
  public readonly invokerObserver: PreviewInvokerObserver = {
    onInvoke: () => this.#invocations.inc(),
    onInProgress: (delayMs) => {
      this.#waits.inc();
      this.#waitSeconds.inc(delayMs / 1000);
    },
    onJoin: () => this.#joins.inc(),
  };

  /** Reads the admission gauges from `state` at each scrape, and exports its limits. */
  public watchAdmission(state: AdmissionState, limits: AdmissionLimits): void {
    this.#admission = state;
    this.#limits.inFlight.set(limits.maxInFlight);
    this.#limits.coalesced.set(limits.maxCoalesced);
  }

  /** Counts a request refused by an admission limit (its answer is counted by {@link observeRequest}). */
  public rejected(limit: AdmissionLimit): void {
    this.#rejected.inc({ limit });
  }

  /** Counts one answered request and observes its duration. */
  public observeRequest(request: AnsweredRequest): void {
    const { outcome } = request;
    this.#requests.inc({ outcome, status: String(request.status), code: request.code ?? '' });
    this.#duration.observe({ outcome }, request.durationMs / 1000);
    if (request.bytes > 0) this.#sentBytes.inc({ outcome }, request.bytes);
  }

  /**
   * `reader`, counting its S3 failures: a `stat` or `open` that fails (`stage="open"`) and a body that
   * fails mid-stream (`stage="stream"`). Failures caused by the request's own signal (the client left,
   * the deadline passed) are not S3's and are not counted.
   */
  public instrumentStorage(reader: PreviewObjectReader): PreviewObjectReader {
    const count = (options: ReadOptions, stage: 'open' | 'stream'): void => {
      if (!options.signal.aborted) this.#s3Errors.inc({ stage });
    };
    return {
      stat: async (bucket, key, options) => {
        try {
          return await reader.stat(bucket, key, options);
        } catch (error) {
          count(options, 'open');
          throw error;
        }
      },
      open: async (bucket, key, options) => {
        let object;
        try {
          object = await reader.open(bucket, key, options);
        } catch (error) {
          count(options, 'open');
          throw error;
        }
        object.body.once('error', () => count(options, 'stream'));
        return object;
      },
    };
  }

  /** The metrics in the Prometheus text format, and its content type. */
  public async exposition(): Promise<{ readonly contentType: string; readonly body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /**
   * Answers `req` when it asks for {@link METRICS_PATH} (the query ignored): `GET`/`HEAD` get the metrics,
   * other methods 405. Returns `false`, answering nothing, for any other path.
   */
  public handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (targetPath(req.url ?? '/') !== METRICS_PATH) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end('Method Not Allowed\n');
      return true;
    }
    this.scrapes += 1;
    this.exposition().then(
      ({ contentType, body }) => {
        const bytes = Buffer.from(body, 'utf8');
        res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': bytes.byteLength, 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : bytes);
      },
      (error: unknown) => {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
        res.end(`Metrics could not be collected: ${error instanceof Error ? error.message : String(error)}\n`);
      },
    );
    return true;
  }
}

/** The metrics on a port of their own (`METRICS_PORT`). */
export interface MetricsServer {
  /** `http://host:port`; the metrics are at `${url}/metrics`. */
  readonly url: string;
  /** Stops listening and closes its connections. */
  close(): Promise<void>;
}

/**
 * Serves `metrics` at {@link METRICS_PATH} on `host:port` (`0`: a free port); anything else is 404.
 *
 * @throws the listen error (e.g. `EADDRINUSE`).
 */
export async function startMetricsServer(metrics: ProxyMetrics, host: string, port: number): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    if (metrics.handle(req, res)) return;
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end('Not Found\n');
  });
  const { url } = await listen(server, port, host);
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
