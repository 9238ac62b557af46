/**
 * A fault-injecting HTTP proxy for tests: put it between a client and a real server (the S3 emulator, the
 * DynamoDB emulator, the local Lambda endpoint) by giving the client its URL as endpoint. Every request is
 * forwarded unchanged (method, path, headers, body) unless a rule matches it; a rule applies one fault:
 *
 * | fault | what the client sees | what the server sees |
 * | --- | --- | --- |
 * | `pass` | the server's answer | the request |
 * | `hang` | a connection that accepted the request and never answers | nothing |
 * | `status` | the given status and body (e.g. 503 with S3's XML), at once | nothing |
 * | `drop` | the connection closed without an answer | nothing, or the whole request (`afterForwarding`) |
 * | `cut-request` | the connection closed without an answer | the first `afterBytes` (≥ 1) of the body, a close |
 * | `cut-response` | the status, headers and the first `afterBytes` of the body, then a close | the request |
 * | `delay` | the server's answer, `ms` later | the request, `ms` later |
 * | `trickle` | the server's answer, its body `bytes` every `everyMs` | the request |
 *
 * Rules are matched in the order they were added; a rule with `times` applies to that many requests and is
 * then removed. Each upstream request uses a fresh connection, so a fault never leaks into the next request.
 *
 * @module
 */
import {
  type ClientRequest,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request as httpRequest,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** What happens to a matched request (see the module's table). */
export type Fault =
  | { readonly kind: 'pass' }
  | { readonly kind: 'hang' }
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly body?: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'drop'; readonly afterForwarding?: boolean }
  | { readonly kind: 'cut-request'; readonly afterBytes: number }
  | { readonly kind: 'cut-response'; readonly afterBytes: number }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'trickle'; readonly bytes: number; readonly everyMs: number };

/** A request as rules see it. */
export interface FaultRequest {
  readonly method: string;
  /** The request target as sent (path and query, undecoded). */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
}

/** Decides whether a rule applies to a request. */
export type Matcher = (request: FaultRequest) => boolean;

/** One request the proxy saw and what it did with it. */
export interface SeenRequest extends FaultRequest {
  /** The fault applied (`pass` when no rule matched). */
  readonly fault: Fault['kind'];
}

/** Options of {@link FaultProxy.inject}. */
export interface InjectOptions {
  /** Which requests; default every request. */
  readonly match?: Matcher;
  /** How many matching requests; default all of them until {@link FaultProxy.clear}. */
  readonly times?: number;
}

/** A running fault proxy. */
export interface FaultProxy {
  /** Base URL to give a client as its endpoint, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Every request so far, in arrival order. */
  readonly requests: readonly SeenRequest[];
  /** Adds a rule (after the existing ones). */
  inject(fault: Fault, options?: InjectOptions): void;
  /** Removes every rule: from now on every request passes. */
  clear(): void;
  /** Stops listening and closes every connection, held ones included. */
  close(): Promise<void>;
}

/**
 * A matcher on the method, a substring or pattern of the request target, and header values; every given
 * part must match.
 */
export function matching(criteria: {
  readonly method?: string;
  readonly path?: string | RegExp;
  readonly headers?: Readonly<Record<string, string | RegExp>>;
}): Matcher {
  const test = (pattern: string | RegExp, value: string): boolean =>
    typeof pattern === 'string' ? value.includes(pattern) : pattern.test(value);
  return (request) =>
    (criteria.method === undefined || request.method === criteria.method) &&
    (criteria.path === undefined || test(criteria.path, request.path)) &&
    Object.entries(criteria.headers ?? {}).every(([name, pattern]) =>
      test(pattern, String(request.headers[name] ?? '')),
    );
}

/** Matches the DynamoDB operation `operation` (e.g. `PutItem`) by its `X-Amz-Target` header. */
export function dynamodbOperation(operation: string): Matcher {
  return matching({ method: 'POST', headers: { 'x-amz-target': `DynamoDB_20120810.${operation}` } });
}

/** Headers that belong to one connection, not to the request: never forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'expect', 'transfer-encoding', 'upgrade']);

/** Starts a fault proxy on a free loopback port, forwarding to `target` (e.g. `http://127.0.0.1:4568`). */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const rules: { fault: Fault; match: Matcher; left: number }[] = [];
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  let closed = false;

  function take(request: FaultRequest): Fault {
    const index = rules.findIndex((rule) => rule.match(request));
    const rule = rules[index];
    if (rule === undefined) return { kind: 'pass' };
    rule.left -= 1;
    if (rule.left <= 0) rules.splice(index, 1);
    return rule.fault;
  }

  /** Forwards `incoming` and applies `fault` to its body or to the answer. */
  function forward(incoming: IncomingMessage, response: ServerResponse, fault: Fault): void {
    const headers = Object.fromEntries(Object.entries(incoming.headers).filter(([name]) => !HOP_BY_HOP.has(name)));
    // A fresh connection per request (`agent: false`): a cut or dropped one is never reused.
    const options = { host: upstream.hostname, port: upstream.port, method: incoming.method, headers, agent: false };
    const outgoing = httpRequest(
      { ...options, path: incoming.url },
      (answer) => void respond(answer, response, fault).catch(() => response.destroy()),
    );
    outgoing.on('error', () => response.destroy());
    response.on('close', () => outgoing.destroy());
    if (fault.kind === 'cut-request') cutRequest(incoming, outgoing, response, fault.afterBytes);
    else incoming.pipe(outgoing);
  }

  /** Forwards the first `afterBytes` (at least 1) of the body, then closes both connections. */
  function cutRequest(
    incoming: IncomingMessage,
    outgoing: ClientRequest,
    response: ServerResponse,
    afterBytes: number,
  ): void {
    let sent = 0;
    let cut = false;
    const close = (): void => {
      outgoing.destroy();
      response.destroy();
    };
    const forwardPart = (chunk: Buffer, last: boolean): void => {
      if (cut) return; // the rest of the body is read and discarded
      const part = chunk.subarray(0, afterBytes - sent);
      sent += part.length;
      if (!last && sent < afterBytes) return void outgoing.write(part);
      cut = true;
      // Once the part is flushed, give the server a moment to read it, then close.
      outgoing.write(part, () => setTimeout(close, 20));
    };
    incoming.on('data', (chunk: Buffer) => forwardPart(chunk, false));
    incoming.on('end', () => forwardPart(Buffer.alloc(0), true));
  }

  /** Relays the server's answer, cut, trickled or dropped as `fault` says. */
  async function respond(answer: IncomingMessage, response: ServerResponse, fault: Fault): Promise<void> {
    if (fault.kind === 'drop') {
      answer.resume();
      answer.on('end', () => response.destroy());
      return;
    }
    response.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
    if (fault.kind !== 'cut-response' && fault.kind !== 'trickle') return void answer.pipe(response);
    const body = Buffer.concat((await answer.toArray()) as Buffer[]);
    if (fault.kind === 'cut-response') {
      return void response.write(body.subarray(0, fault.afterBytes), () => response.destroy());
    }
    for (let offset = 0; offset < body.length && !response.destroyed && !closed; offset += fault.bytes) {
      response.write(body.subarray(offset, offset + fault.bytes));
      await sleep(fault.everyMs);
    }
    response.end();
  }

  async function handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const { method = 'GET', url: path = '/', headers } = incoming;
    const request: FaultRequest = { method, path, headers };
    const fault = take(request);
    requests.push({ ...request, fault: fault.kind });
    switch (fault.kind) {
      case 'hang':
        incoming.resume();
        return;
      case 'status':
        incoming.resume();
        response.writeHead(fault.status, { 'Content-Type': 'text/plain', ...fault.headers, Connection: 'close' });
        response.end(fault.body ?? '');
        return;
      case 'drop':
        if (!fault.afterForwarding) return void incoming.socket.destroy();
        break;
      case 'delay':
        await sleep(fault.ms);
        if (closed) return;
        break;
      default:
        break;
    }
    forward(incoming, response, fault);
  }

  const server = createServer((incoming, response) => void handle(incoming, response));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    inject(fault, options = {}) {
      rules.push({ fault, match: options.match ?? (() => true), left: options.times ?? Number.POSITIVE_INFINITY });
    },
    clear() {
      rules.length = 0;
    },
    async close() {
      closed = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await stopped;
    },
  };
}
