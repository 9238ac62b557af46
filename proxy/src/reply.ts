/**
 * Writing answers: whole bodies (HEAD gets the headers only), short texts, and failure answers with their
 * placeholder image, cache policy and diagnostics headers.
 */
import { type OutgoingHttpHeaders, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Access } from './access.js';
import type { ProxyConfig } from './config.js';
import type { FailureAnswer } from './outcome.js';

const TEXT = 'text/plain; charset=utf-8';

/** What the answers depend on besides the request. */
export interface ReplyOptions {
  /** Cache policies and placeholder images. */
  readonly config: Pick<ProxyConfig, 'notFoundCacheControl' | 'errorCacheControl' | 'notFoundImage' | 'errorImage'>;
  /** Whether the server is shutting down: every answer then says `Connection: close`. */
  readonly closing: () => boolean;
}

/** The answer writers of one server. */
export interface Replies {
  /** Writes the status line and headers (and `Connection: close` while shutting down). */
  writeHead(res: ServerResponse, status: number, headers: OutgoingHttpHeaders): void;
  /** Sends a whole answer; HEAD gets the same headers (`Content-Length` included) and no body. */
  reply(res: ServerResponse, access: Access, status: number, body: Buffer, headers: OutgoingHttpHeaders): void;
  /** Sends a short text answer (default `text/plain`, `no-store`). */
  replyText(res: ServerResponse, access: Access, status: number, text: string, contentType?: string, cacheControl?: string): void;
  /** Answers a failure: a placeholder image (or a line of text), its cache policy and `X-Preview-Error`. */
  replyFailure(res: ServerResponse, access: Access, answer: FailureAnswer, error?: unknown): void;
}

/** Creates the answer writers. */
export function createReplies(options: ReplyOptions): Replies {
  const { config, closing } = options;

  function writeHead(res: ServerResponse, status: number, headers: OutgoingHttpHeaders): void {
    if (closing()) res.setHeader('Connection', 'close');
    res.writeHead(status, headers);
  }

  function reply(res: ServerResponse, access: Access, status: number, body: Buffer, headers: OutgoingHttpHeaders): void {
    writeHead(res, status, { ...headers, 'Content-Length': body.byteLength });
    const sent = access.method === 'HEAD' ? undefined : body;
    access.bytes = sent?.byteLength ?? 0;
    res.end(sent);
  }

  function replyText(
    res: ServerResponse,
    access: Access,
    status: number,
    text: string,
    contentType = TEXT,
    cacheControl = 'no-store',
  ): void {
    reply(res, access, status, Buffer.from(text, 'utf8'), { 'Content-Type': contentType, 'Cache-Control': cacheControl });
  }

  function replyFailure(res: ServerResponse, access: Access, answer: FailureAnswer, error?: unknown): void {
    Object.assign(access, { outcome: answer.outcome, code: answer.code, level: answer.level });
    if (error !== undefined && answer.level !== 'info') access.err ??= error;
    if (answer.outcome === 'aborted' || res.destroyed) return;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const cacheControl =
      answer.status === 404 ? config.notFoundCacheControl : answer.status >= 500 ? config.errorCacheControl : 'no-store';
    res.setHeader('X-Preview-Error', answer.code);
    if (answer.retryAfterSeconds !== undefined) res.setHeader('Retry-After', answer.retryAfterSeconds);
    if (answer.image === 'none') {
      const detail = access.reason === undefined ? '' : `: ${access.reason}`;
      return replyText(res, access, answer.status, `${STATUS_CODES[answer.status]}${detail}\n`, TEXT, cacheControl);
    }
    const image = answer.image === 'not-found' ? config.notFoundImage : config.errorImage;
    reply(res, access, answer.status, image.bytes, {
      'Content-Type': image.contentType,
      'Cache-Control': cacheControl,
      ETag: image.etag,
    });
  }

  return { writeHead, reply, replyText, replyFailure };
}
