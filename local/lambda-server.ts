/**
 * A local Lambda endpoint — a development tool, never deployed: serves the Lambda Invoke API
 * (`POST /2015-03-31/functions/{FunctionName}/invocations`) over `node:http` and runs in-process handlers
 * as Lambda would, so the AWS SDK, the AWS CLI and `@preview-lambda/invoker` can call them unchanged. The
 * Docker-free twin of `sam local start-lambda` (same default address, `127.0.0.1:3001`).
 *
 * What it emulates: invocation types (`RequestResponse` 200, `Event` 202, `DryRun` 204), function errors
 * (`X-Amz-Function-Error: Unhandled` with `{errorType, errorMessage, trace}`), the timeout
 * (`Sandbox.Timedout`), the 6 MB request and response limits, throttling beyond a concurrency limit
 * (429), unknown functions (404), `X-Amz-Log-Result` for `LogType: Tail`, and a Lambda-like context.
 *
 * What it does not: a handler is not stopped at its timeout (it runs on in the background), there is no
 * sandbox isolation, cold start per concurrent instance, memory limit, version or alias (every qualifier
 * runs `$LATEST`), retry of failed `Event` invocations, async queue (an `Event` beyond the concurrency
 * limit is throttled like a synchronous one), IAM or request signing check.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import { describeError } from './cli.js';
import { lambdaContext } from './context.js';
import {
  LambdaApiError,
  MethodNotAllowedException,
  RequestTooLargeException,
  ResourceNotFoundException,
  ServiceException,
  TooManyRequestsException,
  UnknownOperationException,
} from './lambda/api-errors.js';
import { ConcurrencyLimit } from './lambda/concurrency.js';
import { functionArn, INVOKE_PATH } from './lambda/function-name.js';
import { answerFor, type InvokeAnswer, type LambdaHandler, runHandler } from './lambda/invocation.js';
import { type InvokeParameters, parseInvokeParameters } from './lambda/invoke-request.js';
import {
  DEFAULT_ACCOUNT_ID,
  DEFAULT_REGION,
  EXECUTED_VERSION,
  INVOKE_PAYLOAD_LIMIT_BYTES,
} from './lambda/limits.js';
import {
  endLines,
  installLogCapture,
  LogBuffer,
  startLine,
  timeoutLine,
  withLogBuffer,
} from './lambda/log-capture.js';
import { parseEvent, readRequestBody } from './lambda/request-body.js';

export type { LambdaHandler } from './lambda/invocation.js';

/** Default port: the one `sam local start-lambda` uses. */
export const DEFAULT_LAMBDA_PORT = 3001;

/** Default host: loopback only. */
export const DEFAULT_LAMBDA_HOST = '127.0.0.1';

/** Default function timeout: 30 s (the template's default). */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** Default memory size reported to the handler: 1536 MB (the template's default). */
export const DEFAULT_MEMORY_MB = 1536;

/** A function the endpoint serves. */
export interface LambdaFunctionDefinition {
  /** The handler, called in-process as `handler(event, context)`. */
  handler: LambdaHandler;
  /** Timeout in milliseconds; defaults to {@link DEFAULT_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Memory size reported in the context and the log tail; defaults to {@link DEFAULT_MEMORY_MB}. */
  memoryMb?: number;
}

/** Options for {@link startLambdaServer}. */
export interface LambdaServerOptions {
  /** The functions served, by name (e.g. `PreviewFunction`, the template's logical ID). */
  functions: Readonly<Record<string, LambdaFunctionDefinition>>;
  /** Port; defaults to {@link DEFAULT_LAMBDA_PORT}. `0` picks a free one (see {@link LambdaServer.port}). */
  port?: number;
  /** Interface to listen on; defaults to {@link DEFAULT_LAMBDA_HOST}. */
  host?: string;
  /**
   * Most `RequestResponse` and `Event` invocations running at once (per endpoint, over all functions);
   * beyond it the endpoint answers 429 `TooManyRequestsException`. Defaults to no limit.
   */
  maxConcurrency?: number;
  /** Region in ARNs (context, errors); defaults to `us-east-1`. */
  region?: string;
  /** Account ID in ARNs; defaults to `000000000000`. */
  accountId?: string;
  /**
   * Receives one line per invocation (type, request id, duration, outcome) and the errors of `Event`
   * invocations, which have no caller to report to. Defaults to writing to `process.stderr`.
   */
  log?: (line: string) => void;
}

/** A running endpoint. */
export interface LambdaServer {
  /** Base URL for an SDK `endpoint` or `aws --endpoint-url`, e.g. `http://127.0.0.1:3001`. */
  readonly url: string;
  /** The port it listens on (the actual one when `port: 0` was asked). */
  readonly port: number;
  /** The interface it listens on. */
  readonly host: string;
  /** Handler runs started so far (`RequestResponse` and `Event`; not `DryRun` or rejected requests). */
  readonly invocations: number;
  /** Invocations running now (counted against `maxConcurrency`). */
  readonly inFlight: number;
  /**
   * Stops gracefully: stops accepting connections, answers requests that arrive meanwhile with 503, lets
   * running invocations finish (each at most until its timeout) and closes every connection.
   */
  stop(): Promise<void>;
}

/** The options are not usable. */
export class InvalidLambdaServerOptionsError extends Error {
  public constructor(problems: readonly string[]) {
    super(`Invalid local Lambda endpoint options: ${problems.join('; ')}`);
    this.name = 'InvalidLambdaServerOptionsError';
  }
}

interface ResolvedFunction {
  readonly name: string;
  readonly handler: LambdaHandler;
  readonly timeoutMs: number;
  readonly memoryMb: number;
}

function resolveFunctions(options: LambdaServerOptions): Map<string, ResolvedFunction> {
  const problems: string[] = [];
  const functions = new Map<string, ResolvedFunction>();
  for (const [name, definition] of Object.entries(options.functions ?? {})) {
    const timeoutMs = definition.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const memoryMb = definition.memoryMb ?? DEFAULT_MEMORY_MB;
    if (typeof definition.handler !== 'function') problems.push(`functions.${name}.handler must be a function`);
    if (!(timeoutMs > 0)) problems.push(`functions.${name}.timeoutMs must be positive`);
    if (!(memoryMb > 0)) problems.push(`functions.${name}.memoryMb must be positive`);
    functions.set(name, { name, handler: definition.handler, timeoutMs, memoryMb });
  }
  if (functions.size === 0) problems.push('functions must name at least one function');
  const { maxConcurrency } = options;
  if (maxConcurrency !== undefined && !(Number.isSafeInteger(maxConcurrency) && maxConcurrency > 0)) {
    problems.push('maxConcurrency must be a positive integer');
  }
  if (problems.length > 0) throw new InvalidLambdaServerOptionsError(problems);
  return functions;
}

function formatUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Starts the endpoint and resolves once it listens. */
export async function startLambdaServer(options: LambdaServerOptions): Promise<LambdaServer> {
  const functions = resolveFunctions(options);
  const host = options.host ?? DEFAULT_LAMBDA_HOST;
  const region = options.region ?? DEFAULT_REGION;
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const concurrency = new ConcurrencyLimit(options.maxConcurrency);
  /** Requests being answered and `Event` invocations running: what a graceful stop waits for. */
  const pending = new Set<Promise<unknown>>();
  let invocations = 0;
  let stopping = false;

  const track = (promise: Promise<unknown>): void => {
    const settled = promise.then(
      () => undefined,
      (error: unknown) => log(`local Lambda endpoint: unexpected error: ${describeError(error)}`),
    );
    pending.add(settled);
    void settled.finally(() => pending.delete(settled));
  };

  function send(response: ServerResponse, status: number, headers: Record<string, string>, body?: Buffer): void {
    const all: Record<string, string> = { ...headers, 'Content-Length': String(body?.byteLength ?? 0) };
    if (body !== undefined) all['Content-Type'] = 'application/json';
    if (stopping) all.Connection = 'close';
    response.writeHead(status, all);
    response.end(body);
  }

  function sendApiError(response: ServerResponse, requestId: string, error: LambdaApiError): void {
    const headers: Record<string, string> = {
      'x-amzn-RequestId': requestId,
      'x-amzn-ErrorType': error.errorType,
      ...error.headers,
    };
    // A body refused mid-stream may be partly unread: do not reuse the connection.
    if (error instanceof RequestTooLargeException) headers.Connection = 'close';
    send(response, error.status, headers, Buffer.from(JSON.stringify(error.body())));
  }

  /** Runs one invocation: the handler under its deadline, with a context and, if asked, a log tail. */
  async function invoke(
    fn: ResolvedFunction,
    event: unknown,
    requestId: string,
    parameters: InvokeParameters,
    logs: LogBuffer | undefined,
  ): Promise<InvokeAnswer> {
    invocations += 1;
    const context: Context = {
      ...lambdaContext({
        functionName: fn.name,
        timeoutMs: fn.timeoutMs,
        memoryLimitInMB: fn.memoryMb,
        awsRequestId: requestId,
      }),
      invokedFunctionArn: functionArn(fn.name, { region, accountId, qualifier: parameters.qualifier }),
      ...(parameters.clientContext === undefined ? {} : { clientContext: parameters.clientContext }),
    };
    const started = performance.now();
    logs?.append(startLine(requestId, EXECUTED_VERSION));
    const run = () => runHandler(fn.handler, event, context, fn.timeoutMs);
    const outcome = await (logs === undefined ? run() : withLogBuffer(logs, run));
    const durationMs = performance.now() - started;
    if (outcome.kind === 'timed-out') logs?.append(timeoutLine(requestId, fn.timeoutMs));
    logs?.append(endLines(requestId, durationMs, fn.memoryMb));
    const answer = answerFor(outcome, {
      requestId,
      timeoutMs: fn.timeoutMs,
      responseLimitBytes: INVOKE_PAYLOAD_LIMIT_BYTES,
    });
    const result =
      answer.kind === 'success' ? 'ok' : `Unhandled ${answer.error.errorType}: ${answer.error.errorMessage}`;
    log(`[${fn.name}] ${parameters.invocationType} ${requestId} ${Math.round(durationMs)} ms ${result}`);
    return answer;
  }

  async function route(request: IncomingMessage, response: ServerResponse, requestId: string): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const encodedName = INVOKE_PATH.exec(url.pathname)?.[1];
    if (encodedName === undefined) throw new UnknownOperationException(request.method ?? '', url.pathname);
    if (request.method !== 'POST') throw new MethodNotAllowedException(request.method ?? '');
    if (stopping) throw new ServiceException();

    const parameters = parseInvokeParameters(request, url, encodedName);
    const fn = functions.get(parameters.function.name);
    if (fn === undefined) {
      throw new ResourceNotFoundException(functionArn(parameters.function.name, { region, accountId }));
    }
    const event = parseEvent(await readRequestBody(request, { limitBytes: INVOKE_PAYLOAD_LIMIT_BYTES }));
    if (parameters.invocationType === 'DryRun') {
      send(response, 204, { 'x-amzn-RequestId': requestId });
      return;
    }
    if (!concurrency.tryAcquire()) throw new TooManyRequestsException();

    if (parameters.invocationType === 'Event') {
      send(response, 202, { 'x-amzn-RequestId': requestId });
      track(invoke(fn, event, requestId, parameters, undefined).finally(() => concurrency.release()));
      return;
    }

    const logs = parameters.logType === 'Tail' ? new LogBuffer() : undefined;
    let answer: InvokeAnswer;
    try {
      answer = await invoke(fn, event, requestId, parameters, logs);
    } finally {
      concurrency.release();
    }
    const headers: Record<string, string> = {
      'x-amzn-RequestId': requestId,
      'X-Amz-Executed-Version': EXECUTED_VERSION,
    };
    if (answer.kind === 'function-error') headers['X-Amz-Function-Error'] = 'Unhandled';
    if (logs !== undefined) headers['X-Amz-Log-Result'] = logs.base64();
    send(response, 200, headers, answer.payload);
  }

  const server = createServer((request, response) => {
    const requestId = randomUUID();
    track(
      route(request, response, requestId).catch((error: unknown) => {
        if (response.headersSent) {
          response.destroy();
          return;
        }
        if (!(error instanceof LambdaApiError)) {
          log(`local Lambda endpoint: unexpected error: ${describeError(error)}`);
        }
        const answer =
          error instanceof LambdaApiError
            ? error
            : new LambdaApiError(500, 'ServiceException', 'The local Lambda endpoint failed', { type: 'Service' });
        sendApiError(response, requestId, answer);
      }),
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_LAMBDA_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const releaseLogCapture = installLogCapture();
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;

  return {
    url: formatUrl(host, port),
    port,
    host,
    get invocations() {
      return invocations;
    },
    get inFlight() {
      return concurrency.running;
    },
    stop() {
      stopped ??= (async () => {
        stopping = true;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        while (pending.size > 0) await Promise.allSettled([...pending]);
        server.closeIdleConnections();
        // Keep-alive connections that went idle after their last answer close now; force any straggler.
        const force = setTimeout(() => server.closeAllConnections(), 1_000);
        await closed;
        clearTimeout(force);
        releaseLogCapture();
      })();
      return stopped;
    },
  };
}
