/**
 * Reading and decoding the payload of an Invoke request.
 */
import type { IncomingMessage } from 'node:http';
import type { ClientContext } from 'aws-lambda';
import { InvalidRequestContentException, RequestTooLargeException } from './api-errors.js';

/** Options for {@link readRequestBody}. */
export interface ReadRequestBodyOptions {
  /** Largest body accepted, in bytes. */
  limitBytes: number;
  /**
   * Largest body read to its end (and discarded) before answering that it is too large, so the client,
   * still sending, reads the 413 rather than a reset connection. Beyond it the read stops at once.
   * Defaults to 8 × `limitBytes`.
   */
  drainLimitBytes?: number;
}

/**
 * Reads the whole request body. A body over `limitBytes` is read to its end but not kept, then refused.
 *
 * @throws {RequestTooLargeException} the body is larger than `limitBytes`.
 */
export async function readRequestBody(request: IncomingMessage, options: ReadRequestBodyOptions): Promise<Buffer> {
  const { limitBytes } = options;
  const drainLimitBytes = options.drainLimitBytes ?? 8 * limitBytes;
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > drainLimitBytes) throw new RequestTooLargeException(limitBytes);
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    received += buffer.byteLength;
    if (received > drainLimitBytes) throw new RequestTooLargeException(limitBytes);
    if (received <= limitBytes) chunks.push(buffer);
  }
  if (received > limitBytes) throw new RequestTooLargeException(limitBytes);
  return Buffer.concat(chunks, received);
}

/**
 * Decodes an Invoke payload into the event the handler receives. An empty payload is the event `{}`,
 * as when `aws lambda invoke` is run without `--payload`.
 *
 * @throws {InvalidRequestContentException} the payload is not UTF-8 JSON.
 */
export function parseEvent(body: Buffer): unknown {
  if (body.byteLength === 0) return {};
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new InvalidRequestContentException('Could not parse request body into json: the body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidRequestContentException(
      `Could not parse request body into json: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/**
 * Decodes the `X-Amz-Client-Context` header (base64 of a JSON object) into `context.clientContext`. Only
 * "a JSON object" is checked, not the mobile SDK's `client`/`env` shape.
 *
 * @throws {InvalidRequestContentException} the header is not base64 of a JSON object.
 */
export function parseClientContext(header: string | undefined): ClientContext | undefined {
  if (header === undefined || header === '') return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as ClientContext;
  } catch {
    // Reported below.
  }
  throw new InvalidRequestContentException('Client context must be a valid Base64-encoded JSON object.');
}
