/**
 * Helpers for the proxy tests: a proxy on an ephemeral port with a fake invoker and a fake S3 reader, a
 * raw HTTP client (no URL normalisation, one connection per request), captured log lines and result
 * builders.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { PreviewResult, ResizeErrorCode, ResizeRequest } from '@preview-lambda/invoker';
import { parseProxyConfig, type ProxyConfig, type ProxyEnvironment } from '@preview-lambda/proxy/config';
import { StoredPreviewMissingError } from '@preview-lambda/proxy/errors';
import { createProxyLogger } from '@preview-lambda/proxy/logger';
import type { ProxyMetrics } from '@preview-lambda/proxy/metrics';
import type { PreviewObjectReader, StoredPreviewInfo, StoredPreviewStream } from '@preview-lambda/proxy/s3';
import { createProxyServer, type PreviewInvokerLike, type ProxyServer } from '@preview-lambda/proxy/server';

/** The environment every test proxy starts from. */
export const BASE_ENV: ProxyEnvironment = Object.freeze({
  PORT: '0',
  SOURCE_BUCKET: 'originals-bucket',
  DESTINATION_BUCKET: 'previews-bucket',
  PRESETS: 'small=320,medium=720,large=1440',
  LOG_LEVEL: 'debug',
});

/** A config from {@link BASE_ENV} plus `env`. */
export function testConfig(env: ProxyEnvironment = {}): ProxyConfig {
  return parseProxyConfig({ ...BASE_ENV, ...env });
}

/** A JPEG-looking preview. */
export const PREVIEW_BYTES = Buffer.from([
  0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x02, 0x03, 0xff, 0xd9,
]);

/** A `preview` result carrying `bytes`. */
export function previewResult(
  bytes: Buffer = PREVIEW_BYTES,
  contentType = 'image/jpeg',
  key = 'prew/small/a.jpg',
): PreviewResult {
  return {
    kind: 'preview',
    key,
    contentType,
    bytes,
    attempts: 1,
    response: { status: true, key, content_type: contentType, data: bytes.toString('base64'), error: '' },
  };
}

/** A `stored` result: the preview is at `key` in the destination bucket. */
export function storedResult(key: string, contentType = 'image/jpeg'): PreviewResult {
  return {
    kind: 'stored',
    key,
    contentType,
    attempts: 1,
    response: { status: true, key, content_type: contentType, data: '', error: '' },
  };
}

/** A `failed` result with `code`. */
export function failedResult(code: ResizeErrorCode, message = `failed: ${code}`): PreviewResult {
  return {
    kind: 'failed',
    code,
    message,
    attempts: 1,
    response: { status: false, key: '', content_type: '', data: '', error: message, code },
  };
}

/** One call the fake invoker received. */
export interface InvokeCall {
  readonly request: ResizeRequest;
  readonly signal: AbortSignal;
}

/** A scripted invoker: `behaviour` decides each answer; every call is recorded. */
export class FakeInvoker implements PreviewInvokerLike {
  public readonly calls: InvokeCall[] = [];
  public behaviour: (request: ResizeRequest, signal: AbortSignal) => Promise<PreviewResult>;

  public constructor(behaviour: (request: ResizeRequest, signal: AbortSignal) => Promise<PreviewResult>) {
    this.behaviour = behaviour;
  }

  public invoke(request: ResizeRequest, options: { signal: AbortSignal }): Promise<PreviewResult> {
    this.calls.push({ request, signal: options.signal });
    return this.behaviour(request, options.signal);
  }
}

/** A gate that holds fakes until the test opens it. */
export function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** An in-memory {@link PreviewObjectReader}: objects by `bucket/key`, with every call recorded. */
export class FakeReader implements PreviewObjectReader {
  public readonly objects = new Map<string, { bytes: Buffer; contentType?: string; etag?: string }>();
  public readonly calls: { op: 'stat' | 'open'; bucket: string; key: string }[] = [];
  /** Chunks of this size are streamed, with `chunkDelayMs` between them. */
  public chunkSize = 4;
  public chunkDelayMs = 0;

  public put(bucket: string, key: string, bytes: Buffer, contentType?: string, etag?: string): this {
    this.objects.set(`${bucket}/${key}`, { bytes, contentType, etag });
    return this;
  }

  public async stat(bucket: string, key: string): Promise<StoredPreviewInfo> {
    this.calls.push({ op: 'stat', bucket, key });
    const object = this.#get(bucket, key);
    return { contentLength: object.bytes.byteLength, contentType: object.contentType, etag: object.etag };
  }

  public async open(bucket: string, key: string): Promise<StoredPreviewStream> {
    this.calls.push({ op: 'open', bucket, key });
    const object = this.#get(bucket, key);
    const { chunkSize, chunkDelayMs } = this;
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let offset = 0; offset < object.bytes.byteLength; offset += chunkSize) {
        if (chunkDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, chunkDelayMs));
        yield object.bytes.subarray(offset, offset + chunkSize);
      }
    }
    return {
      body: Readable.from(chunks()),
      contentLength: object.bytes.byteLength,
      contentType: object.contentType,
      etag: object.etag,
    };
  }

  #get(bucket: string, key: string) {
    const object = this.objects.get(`${bucket}/${key}`);
    if (object === undefined) throw new StoredPreviewMissingError(bucket, key);
    return object;
  }
}

/** A parsed log line. */
export type LogLine = Record<string, unknown>;

/** A proxy under test. */
export interface TestProxy {
  readonly proxy: ProxyServer;
  readonly url: string;
  readonly port: number;
  readonly config: ProxyConfig;
  /** Every log line written so far, parsed. */
  readonly logs: LogLine[];
  /** The access-log lines (`msg: "request"`). */
  accessLogs(): LogLine[];
}

/** Options of {@link startProxy}. */
export interface StartProxyOptions {
  env?: ProxyEnvironment;
  invoker?: PreviewInvokerLike;
  storage?: PreviewObjectReader;
  generateRequestId?: () => string;
  metrics?: ProxyMetrics;
}

/** Starts a proxy on 127.0.0.1 and an ephemeral port; close it with `proxy.close()`. */
export async function startProxy(options: StartProxyOptions = {}): Promise<TestProxy> {
  const config = testConfig(options.env);
  const logs: LogLine[] = [];
  const logger = createProxyLogger({
    level: config.logLevel,
    destination: { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) },
  });
  const proxy = createProxyServer({
    config,
    logger,
    invoker: options.invoker ?? new FakeInvoker(async () => previewResult()),
    storage: options.storage ?? new FakeReader(),
    ...(options.generateRequestId === undefined ? {} : { generateRequestId: options.generateRequestId }),
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
  });
  const address = await proxy.listen();
  return {
    proxy,
    url: address.url,
    port: address.port,
    config,
    logs,
    accessLogs: () => logs.filter((line) => line.msg === 'request'),
  };
}

/** A response read whole. */
export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Options of {@link send}. */
export interface SendOptions {
  method?: string;
  /** A list sends the header once per value (e.g. two `Accept` lines). */
  headers?: Record<string, string | string[]>;
  signal?: AbortSignal;
}

/**
 * Sends one request on its own connection and reads the answer whole. The path is sent exactly as
 * given (no URL normalisation of `..` or `%2e`, unlike `fetch`).
 */
export function send(port: number, path: string, options: SendOptions = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end();
  });
}

/** Waits until `predicate` holds, polling every 5 ms, or fails after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
