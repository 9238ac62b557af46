/**
 * The access log: one JSON line per request, written once the answer is over (sent or cut) and the
 * handler knows why, with the request id, the route, the outcome, the bytes sent and the duration.
 */
import type { ServerResponse } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import type { ProxyLogger } from './logger.js';
import { CLIENT_CLOSED_STATUS, type Outcome } from './outcome.js';
import { targetPath } from './route.js';

/** Longest path written to the access log, in characters. */
export const MAX_LOGGED_PATH = 2_048;

/** One access-log line in the making, filled in as the request is handled. */
export interface Access {
  readonly reqId: string;
  readonly method: string;
  /** The path without its query string, at most {@link MAX_LOGGED_PATH} characters. */
  readonly path: string;
  preset?: string;
  key?: string;
  outcome?: Outcome;
  code?: string;
  reason?: string;
  /** Invocations the invoker made (more than 1 after waiting on an in-progress duplicate). */
  attempts?: number;
  err?: unknown;
  level: 'debug' | 'info' | 'warn' | 'error';
  /** Body bytes sent. */
  bytes: number;
}

/** A fresh access line for a request with id `reqId`, `method` and raw `target`. */
export function startAccess(reqId: string, method: string, target: string): Access {
  const path = targetPath(target).slice(0, MAX_LOGGED_PATH);
  return { reqId, method, path, level: 'info', bytes: 0 };
}

/**
 * Writes the line: the status sent (or 499 when the client left first: then the outcome is `aborted`
 * unless it already was an error or a timeout) and the duration in ms, one decimal.
 */
export function logAccess(logger: ProxyLogger, access: Access, res: ServerResponse, durationMs: number): void {
  if (!res.writableFinished && access.outcome !== 'error' && access.outcome !== 'timeout') {
    access.outcome = 'aborted';
    access.code ??= 'CLIENT_CLOSED';
  }
  const { level, err, ...fields } = access;
  const line = {
    ...fields,
    status: answeredStatus(res),
    durationMs: Math.round(durationMs * 10) / 10,
    ...(err === undefined ? {} : { err }),
  };
  logger[level](line, 'request');
}

/** The status a request was answered with, or 499 ({@link CLIENT_CLOSED_STATUS}) when none was sent. */
export function answeredStatus(res: ServerResponse): number {
  return res.headersSent ? res.statusCode : CLIENT_CLOSED_STATUS;
}

/** A pass-through stream that adds the bytes it sees to `access.bytes`. */
export function countInto(access: Access): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      access.bytes += chunk.byteLength;
      callback(null, chunk);
    },
  });
}
