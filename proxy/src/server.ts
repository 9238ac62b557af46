/**
 * The proxy's HTTP server (`node:http`): maps each request with the pure router, invokes the preview
 * function, and answers with the preview, a stored preview streamed from S3, or a placeholder image.
 * One JSON access-log line per request; bounded work after coalescing (`MAX_IN_FLIGHT`, `MAX_COALESCED`:
 * see admission.ts; `REQUEST_TIMEOUT_MS`); graceful shutdown.
 */
import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { raceAbort } from '@preview-lambda/contract';
import type { PreviewInvokeOptions, PreviewResult, ResizeRequest } from '@preview-lambda/invoker';
import { type Access, answeredStatus, countInto, logAccess, startAccess } from './access.js';
import { PreviewAdmission } from './admission.js';
import type { ProxyConfig } from './config.js';
import { ClientClosedError, RequestTimeoutError, StorageError } from './errors.js';
import { md5Etag } from './images.js';
import { type ListeningAddress, listen } from './listen.js';
import type { ProxyLogger } from './logger.js';
import type { ProxyMetrics } from './metrics.js';
import { answerForError, answerForFailure, invalidPath, overloaded, shuttingDown, unknownPreset } from './outcome.js';
import { createReplies } from './reply.js';
import { REQUEST_ID_HEADER, resolveRequestId } from './request-id.js';
import { type PreviewRoute, routeRequest } from './route.js';
import type { PreviewObjectReader, StoredPreviewInfo } from './s3.js';

/** What the server needs from the invoker: `PreviewInvoker` satisfies it, tests pass fakes. */
export interface PreviewInvokerLike {
  /** Generates (or fetches) the preview; identical concurrent calls should share one invocation. */
  invoke(
    request: ResizeRequest,
    options: PreviewInvokeOptions & { signal: AbortSignal },
  ): Promise<PreviewResult>;
}

/** Dependencies of {@link createProxyServer}. */
export interface ProxyServerDeps {
  /** The parsed configuration. */
  config: ProxyConfig;
  /** The ONE invoker of the process: its single-flight coalesces identical concurrent requests. */
  invoker: PreviewInvokerLike;
  /** Reads stored previews (results too large to inline) from the destination bucket. */
  storage: PreviewObjectReader;
  /** Where access and lifecycle lines go. */
  logger: ProxyLogger;
  /** Makes request ids when the incoming one is missing or not sane. Default: `crypto.randomUUID`. */
  generateRequestId?: () => string;
  /**
   * Prometheus metrics: every answer counted, S3 reads and admission watched, and `GET /metrics` answered
   * on this server unless `config.metrics.port` gives it a port of its own. Default: none.
   */
  metrics?: ProxyMetrics;
}

export type { ListeningAddress } from './listen.js';

/** How {@link ProxyServer.close} ended. */
export interface CloseResult {
  /** `true` when connections were still open after the grace period and were cut. */
  readonly forced: boolean;
}

/** The proxy's HTTP server. */
export interface ProxyServer {
  /** The underlying `node:http` server. */
  readonly server: Server;
  /** Preview requests being handled now, coalesced ones included. */
  readonly inFlight: number;
  /** Distinct previews being handled now: what `MAX_IN_FLIGHT` bounds. */
  readonly previewsInFlight: number;
  /** `true` once {@link ProxyServer.close} was called. */
  readonly closing: boolean;
  /** Starts listening on `config.host:config.port`. */
  listen(): Promise<ListeningAddress>;
  /**
   * Stops accepting connections, closes idle ones, answers 503 to requests that still arrive on open
   * connections, lets requests in flight finish, and resolves once every connection is closed.
   * Connections still open {@link CLOSE_GRACE_MS} after `REQUEST_TIMEOUT_MS` are cut (`forced: true`).
   * Idempotent: every call returns the same promise.
   */
  close(): Promise<CloseResult>;
}

/** The `Accept` header of a request, several joined with `, ` (RFC 9110 §5.3), or `undefined`. */
function acceptOf(req: IncomingMessage): string | undefined {
  const accept = req.headers.accept;
  return Array.isArray(accept) ? accept.join(', ') : accept;
}

/** Extra time after `REQUEST_TIMEOUT_MS` that {@link ProxyServer.close} waits before cutting connections. */
export const CLOSE_GRACE_MS = 1_000;

/** Creates the proxy server; call `listen()` to start it. */
export function createProxyServer(deps: ProxyServerDeps): ProxyServer {
  const { config, invoker, logger, generateRequestId, metrics } = deps;
  const admission = new PreviewAdmission(config);
  metrics?.watchAdmission(admission, config);
  const storage = metrics === undefined ? deps.storage : metrics.instrumentStorage(deps.storage);
  const servesMetrics = metrics !== undefined && config.metrics.port === undefined;
  let closing = false;
  let closed: Promise<CloseResult> | undefined;
  /** Sockets with a request being answered: their errors are that request's, logged in its access line. */
  const busySockets = new WeakSet<Duplex>();

  const { writeHead, reply, replyText, replyFailure } = createReplies({ config, closing: () => closing });

  const server = createServer(
    {
      requestTimeout: config.requestTimeoutMs,
      keepAliveTimeout: config.keepAliveTimeoutMs,
    },
    onRequest,
  );
  server.on('clientError', onClientError);

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    // Scrapes are answered first and are not requests of the service (neither logged nor counted).
    if (servesMetrics && metrics.handle(req, res)) return;
    const started = performance.now();
    const target = req.url ?? '/';
    const reqId = resolveRequestId(req.headers[REQUEST_ID_HEADER], generateRequestId);
    const access = startAccess(reqId, req.method ?? '', target);
    res.setHeader('X-Request-Id', access.reqId);
    busySockets.add(req.socket);
    // One line once the answer is over (sent or cut) *and* the handler knows why.
    const answered = new Promise<number>((resolve) =>
      res.once('close', () => {
        busySockets.delete(req.socket);
        resolve(performance.now() - started);
        if (closing) setImmediate(() => server.closeIdleConnections());
      }),
    );
    const handled = handle(res, access, target).catch((error: unknown) => {
      Object.assign(access, { outcome: 'error', code: 'INTERNAL', level: 'error', err: error });
      res.destroy();
    });
    void Promise.all([answered, handled]).then(([durationMs]) => {
      logAccess(logger, access, res, durationMs);
      const { outcome = 'error', code, bytes } = access;
      metrics?.observeRequest({ outcome, status: answeredStatus(res), code, bytes, durationMs });
    });
  }

  /**
   * Answers what Node could not parse as HTTP (it never reaches `onRequest`). The error of a socket whose
   * request is being answered (e.g. a stored preview cut mid-stream) belongs to that request's access
   * line: the socket is only destroyed.
   */
  function onClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
    if (busySockets.has(socket)) {
      socket.destroy();
      return;
    }
    const status =
      error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    if (error.code !== 'ECONNRESET') {
      const code = error.code ?? 'CLIENT_ERROR';
      logger.warn({ status, outcome: 'invalid', code, reason: error.message }, 'request');
    }
    const untouched = !(socket instanceof Socket) || socket.bytesWritten === 0;
    if (socket.writable && untouched) {
      const head = `HTTP/1.1 ${status} ${STATUS_CODES[status]}`;
      socket.end(`${head}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    } else {
      socket.destroy();
    }
  }

  async function handle(res: ServerResponse, access: Access, target: string): Promise<void> {
    const route = routeRequest(access.method, target, config, acceptOf(res.req));
    switch (route.kind) {
      case 'health': {
        access.outcome = 'health';
        access.level = 'debug';
        const body = JSON.stringify({ status: closing ? 'shutting-down' : 'ok' });
        return replyText(res, access, closing ? 503 : 200, body, 'application/json');
      }
      case 'not-found':
        access.outcome = 'not-found';
        return replyText(res, access, 404, 'Not Found\n');
      case 'method-not-allowed':
        access.outcome = 'method-not-allowed';
        res.setHeader('Allow', route.allow);
        return replyText(res, access, 405, 'Method Not Allowed\n');
      case 'invalid':
        access.reason = route.reason;
        return replyFailure(res, access, invalidPath());
      case 'unknown-preset':
        access.preset = route.preset;
        return replyFailure(res, access, unknownPreset());
      case 'preview':
        return servePreview(res, access, route);
    }
  }

  async function servePreview(res: ServerResponse, access: Access, route: PreviewRoute): Promise<void> {
    access.preset = route.preset;
    access.key = route.key;
    // The variant was chosen from Accept (as nginx chooses it): caches must keep one answer per Accept.
    if (route.vary) res.setHeader('Vary', 'Accept');
    if (closing) return replyFailure(res, access, shuttingDown());
    const admitted = admission.admit(route.key);
    if (!admitted.admitted) {
      metrics?.rejected(admitted.limit);
      access.reason = admitted.reason;
      return replyFailure(res, access, overloaded());
    }

    const controller = new AbortController();
    const { signal } = controller;
    const timeoutMs = config.requestTimeoutMs;
    const timer = setTimeout(() => controller.abort(new RequestTimeoutError(timeoutMs)), timeoutMs);
    res.once('close', () => {
      admitted.release();
      clearTimeout(timer);
      if (!res.writableFinished) controller.abort(new ClientClosedError());
    });

    try {
      const result = await raceAbort(invoker.invoke(route.request, { signal }), signal);
      access.attempts = result.attempts;
      switch (result.kind) {
        case 'preview':
          access.outcome = 'generated';
          return reply(res, access, 200, result.bytes, {
            'Content-Type': result.contentType,
            'Cache-Control': config.cacheControl,
            ETag: md5Etag(result.bytes),
          });
        case 'stored':
          // The function says where it wrote the preview; that is normally `route.key`.
          access.outcome = 'stored';
          access.key = result.key;
          return await serveStored(res, access, result.key, result.contentType, signal);
        case 'failed':
          access.reason = result.message;
          return replyFailure(res, access, answerForFailure(result.code));
      }
    } catch (error) {
      // An abort surfaces as whatever the dependency threw; the signal knows the real reason.
      const reason: unknown = signal.aborted ? signal.reason : error;
      if (reason !== error) access.err = error;
      return replyFailure(res, access, answerForError(reason), reason);
    }
  }

  /** Streams a preview too large for a Lambda response from the destination bucket (HEAD: stat only). */
  async function serveStored(
    res: ServerResponse,
    access: Access,
    key: string,
    contentType: string,
    signal: AbortSignal,
  ): Promise<void> {
    const bucket = config.destinationBucket;
    const headers = (info: StoredPreviewInfo): OutgoingHttpHeaders => ({
      'Content-Type': info.contentType ?? contentType,
      'Cache-Control': config.cacheControl,
      ...(info.contentLength === undefined ? {} : { 'Content-Length': info.contentLength }),
      ...(info.etag === undefined ? {} : { ETag: info.etag }),
    });
    if (access.method === 'HEAD') {
      const info = await raceAbort(storage.stat(bucket, key, { signal }), signal);
      writeHead(res, 200, headers(info));
      res.end();
      return;
    }
    const release = (late: { body: { destroy(): void } }): void => late.body.destroy();
    const object = await raceAbort(storage.open(bucket, key, { signal }), signal, release);
    writeHead(res, 200, headers(object));
    try {
      await pipeline(object.body, countInto(access), res, { signal });
    } catch (error) {
      // A client that left or the request deadline abort the signal (servePreview reports why); anything
      // else is S3's body failing mid-stream. servePreview's catch cuts the connection: the 200 is out.
      if (signal.aborted) throw error;
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      throw new StorageError({ bucket, key, errorName: name }, `the body failed after ${access.bytes} bytes: ${message}`, { cause: error });
    }
  }

  return {
    server,
    get inFlight() {
      return admission.requests;
    },
    get previewsInFlight() {
      return admission.distinct;
    },
    get closing() {
      return closing;
    },
    listen() {
      return listen(server, config.port, config.host);
    },
    close() {
      closed ??= new Promise<CloseResult>((resolve) => {
        closing = true;
        let forced = false;
        const timer = setTimeout(() => {
          forced = true;
          server.closeAllConnections();
        }, config.requestTimeoutMs + CLOSE_GRACE_MS);
        server.close(() => {
          clearTimeout(timer);
          resolve({ forced });
        });
        server.closeIdleConnections();
      });
      return closed;
    },
  };
}
