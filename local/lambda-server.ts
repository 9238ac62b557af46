/**
 * A local Lambda endpoint — a development tool, never deployed: serves the Lambda Invoke API
 * (`POST /2015-03-31/functions/{FunctionName}/invocations`) over `node:http` and runs in-process handlers
 * as Lambda would, so the AWS SDK, the AWS CLI and `@preview-lambda/invoker` call them unchanged. The
 * Docker-free twin of `sam local start-lambda` (same default address, `127.0.0.1:3001`).
 *
 * What it emulates, as the Lambda service answers: `RequestResponse` invocations by function name, function
 * errors (`X-Amz-Function-Error: Unhandled`), the timeout (`Sandbox.Timedout`), the 6 MB request and
 * response limits (413, `Function.ResponseSizeTooLarge`), unknown functions (404) and throttling beyond a
 * concurrency limit (429). Anything else a caller asks for (`Event`, `DryRun`, `LogType: Tail`, a
 * qualifier or an ARN) is refused with an error saying so, as `sam local start-lambda` refuses some of
 * them. A handler is not stopped at its timeout, and nothing is isolated (one process, no cold starts).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeError } from './cli.js';
import { InvokeApiError } from './errors.js';
import { lambdaContext } from './context.js';
import { INVOKE_PAYLOAD_LIMIT_BYTES, invokeHandler, type LambdaHandler } from './lambda/invocation.js';

export type { LambdaHandler } from './lambda/invocation.js';

/** Default port: the one `sam local start-lambda` uses. */
export const DEFAULT_LAMBDA_PORT = 3001;

/** Default host: loopback only. */
export const DEFAULT_LAMBDA_HOST = '127.0.0.1';

/** A function the endpoint serves. */
export interface LambdaFunctionDefinition {
  /** The handler, called in-process as `handler(event, context)`. */
  readonly handler: LambdaHandler;
  /** Timeout in ms (the template's `Timeout`). */
  readonly timeoutMs: number;
  /** Memory size in MB reported in the context (not enforced). */
  readonly memoryMb: number;
}

/** Options of {@link startLambdaServer}. */
export interface LambdaServerOptions {
  /** The functions served, by name (e.g. `PreviewFunction`, the template's logical ID). */
  readonly functions: Readonly<Record<string, LambdaFunctionDefinition>>;
  /** Port; default {@link DEFAULT_LAMBDA_PORT}; `0` picks a free one (see {@link LambdaServer.port}). */
  readonly port?: number;
  /** Interface to listen on; default {@link DEFAULT_LAMBDA_HOST}. */
  readonly host?: string;
  /** Most invocations running at once; beyond it 429 `TooManyRequestsException`. Default: no limit. */
  readonly maxConcurrency?: number;
  /** Receives one line per invocation. Default: `process.stderr`. */
  readonly log?: (line: string) => void;
}

/** A running endpoint. */
export interface LambdaServer {
  /** Base URL for an SDK `endpoint` or `aws --endpoint-url`, e.g. `http://127.0.0.1:3001`. */
  readonly url: string;
  /** The port it listens on (the actual one when `port: 0` was asked). */
  readonly port: number;
  /** Invocations started so far. */
  readonly invocations: number;
  /** Stops accepting connections, lets running invocations finish (each at most until its timeout). */
  stop(): Promise<void>;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;


const refuse = (what: string): InvokeApiError =>
  new InvokeApiError(400, 'InvalidParameterValueException', `${what} is not emulated by the local Lambda endpoint`);

/** Reads the request body, refusing more than the Invoke limit (413). */
async function readPayload(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).byteLength;
    if (size <= INVOKE_PAYLOAD_LIMIT_BYTES) chunks.push(chunk as Buffer);
  }
  if (size > INVOKE_PAYLOAD_LIMIT_BYTES) {
    const message = `Request must be smaller than ${INVOKE_PAYLOAD_LIMIT_BYTES} bytes for the InvokeFunction operation`;
    throw new InvokeApiError(413, 'RequestTooLargeException', message);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch (error) {
    const message = `Could not parse request body into json: ${describeError(error)}`;
    throw new InvokeApiError(400, 'InvalidRequestContentException', message);
  }
}

/** Starts the endpoint and resolves once it listens. */
export async function startLambdaServer(options: LambdaServerOptions): Promise<LambdaServer> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const limit = options.maxConcurrency ?? Number.POSITIVE_INFINITY;
  let running = 0;
  let invocations = 0;
  let stopping = false;

  async function route(request: IncomingMessage, response: ServerResponse, requestId: string): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const name = INVOKE_PATH.exec(url.pathname)?.[1];
    if (name === undefined || request.method !== 'POST') {
      throw new InvokeApiError(404, 'UnknownOperationException', `Unknown operation ${request.method} ${url.pathname}`);
    }
    if (url.search !== '') throw refuse('A qualifier');
    const type = request.headers['x-amz-invocation-type'] ?? 'RequestResponse';
    if (type !== 'RequestResponse') throw refuse(`Invocation type ${String(type)}`);
    if ((request.headers['x-amz-log-type'] ?? 'None') !== 'None') throw refuse('LogType Tail');
    const fn = options.functions[decodeURIComponent(name)];
    if (fn === undefined) {
      throw new InvokeApiError(404, 'ResourceNotFoundException', `Function not found: ${decodeURIComponent(name)}`);
    }
    const event = await readPayload(request);
    if (running >= limit) {
      throw new InvokeApiError(429, 'TooManyRequestsException', 'Rate Exceeded.', {
        Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
      });
    }
    running += 1;
    invocations += 1;
    const started = performance.now();
    const context = lambdaContext({
      functionName: decodeURIComponent(name),
      timeoutMs: fn.timeoutMs,
      memoryLimitInMB: fn.memoryMb,
      awsRequestId: requestId,
    });
    const answer = await invokeHandler(fn.handler, event, context, fn.timeoutMs).finally(() => {
      running -= 1;
    });
    const result = answer.kind === 'success' ? 'ok' : `Unhandled ${answer.error.errorType}: ${answer.error.errorMessage}`;
    log(`[${context.functionName}] RequestResponse ${requestId} ${Math.round(performance.now() - started)} ms ${result}`);
    response.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': answer.payload.byteLength,
      'x-amzn-RequestId': requestId,
      'X-Amz-Executed-Version': '$LATEST',
      ...(answer.kind === 'function-error' ? { 'X-Amz-Function-Error': 'Unhandled' } : {}),
    });
    response.end(answer.payload);
  }

  const server = createServer((request, response) => {
    const requestId = randomUUID();
    // Once stopping, a keep-alive connection closes as soon as its answer is out.
    response.once('finish', () => stopping && setImmediate(() => server.closeIdleConnections()));
    route(request, response, requestId).catch((error: unknown) => {
      if (response.headersSent) return void response.destroy();
      const apiError =
        error instanceof InvokeApiError
          ? error
          : new InvokeApiError(500, 'ServiceException', `The local Lambda endpoint failed: ${describeError(error)}`);
      const body = Buffer.from(JSON.stringify({ ...apiError.fields, Type: 'User', message: apiError.message }));
      response.writeHead(apiError.status, {
        'Content-Type': 'application/json',
        'Content-Length': body.byteLength,
        'x-amzn-RequestId': requestId,
        'x-amzn-ErrorType': apiError.errorType,
        // A refused body may be partly unread: do not reuse the connection.
        Connection: 'close',
      });
      response.end(body);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_LAMBDA_PORT, options.host ?? DEFAULT_LAMBDA_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    port,
    get invocations() {
      return invocations;
    },
    stop() {
      stopping = true;
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      return stopped;
    },
  };
}
