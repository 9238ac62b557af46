/**
 * A scripted stand-in for the Lambda Invoke API: a `node:http` server on 127.0.0.1 that answers
 * `POST /2015-03-31/functions/{name}/invocations` with the answers a test queued, in order, and records
 * every request.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResizeResponse } from '@preview-lambda/contract';

/** One scripted answer. */
export interface FakeAnswer {
  /** HTTP status. Default: 200. */
  status?: number;
  /** Response headers (the request id is always added). */
  headers?: Record<string, string>;
  /** Response body: bytes, text, or a value sent as JSON. Default: empty. */
  body?: Uint8Array | string | object;
  /** Wait this long before answering, in milliseconds. */
  delayMs?: number;
}

/** What the fake received. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** The `{name}` path segment, decoded. */
  readonly functionName: string | undefined;
  /** The `Qualifier` query parameter. */
  readonly qualifier: string | null;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Milliseconds since the fake started. */
  readonly at: number;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/** The scripted fake Lambda endpoint. */
export class FakeLambda {
  /** Every request received, in order. */
  public readonly requests: RecordedRequest[] = [];
  readonly #server: Server;
  readonly #queue: FakeAnswer[] = [];
  readonly #started = performance.now();
  #fallback: FakeAnswer | undefined;

  private constructor() {
    this.#server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const url = new URL(request.url ?? '/', 'http://fake');
        const match = INVOKE_PATH.exec(url.pathname);
        this.requests.push({
          method: request.method ?? '',
          path: url.pathname,
          functionName: match?.[1] === undefined ? undefined : decodeURIComponent(match[1]),
          qualifier: url.searchParams.get('Qualifier'),
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: performance.now() - this.#started,
        });
        const answer =
          request.method === 'POST' && match !== null
            ? (this.#queue.shift() ?? this.#fallback ?? unscripted())
            : unknownRoute(url.pathname);
        const send = (): void => {
          const body =
            answer.body === undefined
              ? Buffer.alloc(0)
              : typeof answer.body === 'string' || answer.body instanceof Uint8Array
                ? Buffer.from(answer.body)
                : Buffer.from(JSON.stringify(answer.body));
          response.writeHead(answer.status ?? 200, {
            'x-amzn-RequestId': randomUUID(),
            'Content-Length': String(body.byteLength),
            ...answer.headers,
          });
          response.end(body);
        };
        if (answer.delayMs === undefined) send();
        else setTimeout(send, answer.delayMs);
      });
    });
  }

  /** Starts a fake on an ephemeral port of 127.0.0.1. */
  public static async start(): Promise<FakeLambda> {
    const fake = new FakeLambda();
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** `http://127.0.0.1:PORT`, for `clientConfig.endpoint`. */
  public get endpoint(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Queues answers, used one per invocation in order. */
  public enqueue(...answers: FakeAnswer[]): this {
    this.#queue.push(...answers);
    return this;
  }

  /** The answer given once the queue is empty (by default: a 500 saying the fake was not scripted). */
  public otherwise(answer: FakeAnswer): this {
    this.#fallback = answer;
    return this;
  }

  /** Forgets the queue, the fallback and the recorded requests. */
  public reset(): void {
    this.#queue.length = 0;
    this.#fallback = undefined;
    this.requests.length = 0;
  }

  /** The JSON body of the n-th request. */
  public payload(index: number): unknown {
    const request = this.requests[index];
    if (request === undefined) throw new Error(`The fake received no request #${index}`);
    return JSON.parse(request.body);
  }

  public async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.#server.close((error) => (error ? reject(error) : resolve())));
  }
}

/** A successful invocation answering `response`, as Lambda sends it. */
export function answer(response: ResizeResponse | object | string, headers: Record<string, string> = {}): FakeAnswer {
  return {
    status: 200,
    headers: { 'Content-Type': 'application/json', 'X-Amz-Executed-Version': '$LATEST', ...headers },
    body: response,
  };
}

/** A function error, as Lambda (and `sam local`) report a thrown error. */
export function functionError(
  payload: object | string,
  kind: 'Unhandled' | 'Handled' = 'Unhandled',
  headers: Record<string, string> = {},
): FakeAnswer {
  return answer(payload, { 'X-Amz-Function-Error': kind, ...headers });
}

/** The error Powertools idempotency throws while an identical request is being processed. */
export function inProgress(): FakeAnswer {
  return functionError({
    errorType: 'IdempotencyAlreadyInProgressError',
    errorMessage: 'There is already an execution in progress with idempotency key: PreviewFunction#c2a1',
    trace: ['IdempotencyAlreadyInProgressError: There is already an execution in progress'],
  });
}

/** An API error as the Lambda service sends it: JSON body and `x-amzn-errortype`. */
export function serviceError(status: number, errorType: string, body: object): FakeAnswer {
  return {
    status,
    headers: { 'Content-Type': 'application/json', 'x-amzn-errortype': errorType },
    body,
  };
}

/** Lambda's answer when the function's concurrency is exhausted. */
export function throttled(): FakeAnswer {
  return serviceError(429, 'TooManyRequestsException', {
    Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
    Type: 'User',
    message: 'Rate Exceeded.',
  });
}

/** Lambda's answer for a function that does not exist. */
export function notFound(functionName: string): FakeAnswer {
  return serviceError(404, 'ResourceNotFoundException', {
    Type: 'User',
    Message: `Function not found: arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
  });
}

function unscripted(): FakeAnswer {
  return serviceError(500, 'ServiceException', { Type: 'Service', Message: 'The fake Lambda was not scripted' });
}

function unknownRoute(path: string): FakeAnswer {
  return serviceError(404, 'UnknownOperationException', { Type: 'User', Message: `Unknown route ${path}` });
}
