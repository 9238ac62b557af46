/**
 * The resize Lambda: validate → read the original from S3 → sniff → resize → write the preview → answer
 * in the Go function's exact JSON shape.
 *
 * Permanent failures ({@link PreviewError}) are answered with `status:false`, a message and a `code`, and
 * write nothing. Transient failures are thrown so the invocation fails and can be retried.
 */
import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  checkRequestLayout,
  ResizeRequestError as ContractRequestError,
  FUNCTION_RESERVE_MS,
  failureResponse,
  LAMBDA_SYNC_RESPONSE_LIMIT_BYTES,
  type ParsedResizeRequest,
  parseResizeRequestWithKey,
  type ResizeRequest,
  type ResizeResponse,
  responseByteLength,
  successResponse,
} from '@preview-lambda/contract';
import type { Context } from 'aws-lambda';
import type { HandlerConfig } from './config.js';
import {
  BucketNotAllowedError,
  InvalidPreviewRequestError,
  LayoutRefusedError,
  PreviewError,
  WidthTooLargeError,
} from './errors.js';
import type { PreviewFreshness } from './freshness.js';
import type { PreviewIdempotency, PreviewRecord } from './idempotency.js';
import { type ResizedImage, type ResizeOptions, resizeImage } from './image/index.js';
import { type InvocationSummary, type PreviewMetrics, timeExclusive, timePhase } from './metrics.js';
import type { S3PreviewStorage } from './storage.js';

/** The resize function the handler uses; replaceable so tests can count calls. */
export type ResizeFunction = (input: Uint8Array, options: ResizeOptions) => Promise<ResizedImage>;

/** Everything the handler needs, built once at cold start. */
export interface HandlerDependencies {
  /** Parsed configuration. */
  config: HandlerConfig;
  /** S3 adapter. */
  storage: S3PreviewStorage;
  /** Idempotency guard over DynamoDB. */
  idempotency: PreviewIdempotency;
  /** The check that a written preview still shows the original's current version. */
  freshness: PreviewFreshness;
  /** Powertools logger. */
  logger: Logger;
  /** One EMF blob per invocation, from the summary line. */
  metrics: PreviewMetrics;
  /** Resize implementation; defaults to {@link resizeImage}. */
  resize?: ResizeFunction;
}

/** A Lambda handler that takes the Go payload and answers the Go response. */
export type PreviewHandler = (event: unknown, context: Context) => Promise<ResizeResponse>;

/**
 * The deadline of an invocation's S3 and DynamoDB calls: `FUNCTION_RESERVE_MS` before the function's own
 * (`context.getRemainingTimeInMillis()`), so that a hung call fails the invocation (and its in-progress
 * record is deleted) instead of holding the key until the timeout. Every path of the entry point (Go
 * payloads, object events, Batch Operations) uses this one.
 */
export function invocationDeadline(context: Pick<Context, 'getRemainingTimeInMillis'>): AbortSignal {
  return AbortSignal.timeout(Math.max(0, context.getRemainingTimeInMillis() - FUNCTION_RESERVE_MS));
}

/** A preview this invocation generated and wrote. */
interface GeneratedPreview {
  readonly key: string;
  readonly etag: string;
  readonly image: ResizedImage;
}

/** Fields of the per-invocation summary log line, which is also what the metrics are made of. */
type Summary = InvocationSummary;

function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

/** What the handler answers for a preview, and whether its `data` had to be left out. */
interface Answer {
  readonly response: ResizeResponse;
  readonly omitted: boolean;
}

/** Whether a preview of `size` bytes fits, as base64, in a Go response under Lambda's 6 MB limit. */
function fitsInResponse(key: string, contentType: string, size: number): boolean {
  const empty = successResponse({ key, contentType, data: '' });
  return responseByteLength(empty) + base64Length(size) <= LAMBDA_SYNC_RESPONSE_LIMIT_BYTES;
}

/** The key-only success response: the preview is in S3 at `key` but too large to inline. */
function keyOnly(key: string, contentType: string): Answer {
  return { response: successResponse({ key, contentType, data: '' }), omitted: true };
}

/** The Go success response for `bytes`, or {@link keyOnly} when they do not fit in a Lambda response. */
function respond(key: string, contentType: string, bytes: Buffer): Answer {
  if (!fitsInResponse(key, contentType, bytes.length)) return keyOnly(key, contentType);
  return { response: successResponse({ key, contentType, data: bytes.toString('base64') }), omitted: false };
}

/**
 * The request and its preview key, or the permanent failure it is: a contract violation, a width above
 * `MAX_WIDTH`, a bucket outside the allow-lists, or a request outside the layout. Runs before any S3 or
 * DynamoDB call, so a refused request reads and writes nothing.
 */
function validate(event: unknown, config: HandlerConfig): ParsedResizeRequest {
  let parsed: ParsedResizeRequest;
  try {
    parsed = parseResizeRequestWithKey(event);
  } catch (error) {
    if (error instanceof ContractRequestError) {
      throw new InvalidPreviewRequestError(`Invalid request: ${error.message}`, { cause: error });
    }
    throw error;
  }
  const { request } = parsed;
  if (request.width > config.maxWidth) throw new WidthTooLargeError(request.width, config.maxWidth);
  if (!config.sourceBuckets.includes(request.src_bucket)) {
    throw new BucketNotAllowedError('source', request.src_bucket);
  }
  if (!config.destinationBuckets.includes(request.dst_bucket)) {
    throw new BucketNotAllowedError('destination', request.dst_bucket);
  }
  const refusal = checkRequestLayout(request, config.layout);
  if (refusal !== undefined) throw new LayoutRefusedError(refusal);
  return parsed;
}

/** The identifying request fields for the summary line, taken from the raw event (it may be invalid). */
function requestFields(event: unknown): Summary {
  const fields: Summary = {};
  if (event === null || typeof event !== 'object') return fields;
  const raw = event as Record<string, unknown>;
  for (const name of ['src_bucket', 'src_key', 'dst_bucket', 'preset_name', 'width', 'format']) {
    const value = raw[name];
    if (typeof value === 'string' || typeof value === 'number') fields[`request_${name}`] = value;
  }
  return fields;
}

/** Creates the Lambda handler over the given dependencies. */
export function createHandler(dependencies: HandlerDependencies): PreviewHandler {
  const { config, storage, idempotency, logger, freshness, metrics } = dependencies;
  const resize = dependencies.resize ?? resizeImage;

  async function generate(request: ResizeRequest, key: string, deadline: AbortSignal, summary: Summary): Promise<GeneratedPreview> {
    // Each attempt reads the original's current version; `freshness` withdraws a preview of a version
    // replaced meanwhile (see freshness.ts). Its check (a HeadObject) counts as writing.
    for (let attempt = 1; ; attempt++) {
      const source = await timePhase(summary, 'read', () =>
        storage.readOriginal(request.src_bucket, request.src_key, config.maxSourceBytes, deadline),
      );
      const image = await timePhase(summary, 'resize', () =>
        resize(source.bytes, {
          width: request.width,
          withoutEnlargement: !config.allowEnlargement,
          jpegQuality: config.jpegQuality,
          maxInputPixels: config.maxInputPixels,
          format: request.format,
          ...config.variants,
        }),
      );
      const fresh = await timePhase(summary, 'write', async () => {
        const etag = await storage.writePreview({
          bucket: request.dst_bucket,
          key,
          bytes: image.data,
          contentType: image.contentType,
          cacheControl: config.cacheControl,
          acl: config.previewAcl,
          sourceEtag: source.etag,
        }, deadline);
        const current = await freshness.check({ request, key, sourceEtag: source.etag, etag, attempt }, deadline);
        return current ? etag : undefined;
      });
      if (fresh !== undefined) return { key, etag: fresh, image };
    }
  }

  const toRecord = (preview: GeneratedPreview): PreviewRecord => ({
    key: preview.key,
    contentType: preview.image.contentType,
    size: preview.image.data.length,
    etag: preview.etag,
  });

  function describeGenerated(preview: GeneratedPreview): Summary {
    const { image } = preview;
    return {
      bytes_in: image.source.bytes,
      bytes_out: image.data.length,
      source_type: image.source.type,
      source_width: image.source.width,
      source_height: image.source.height,
      width: image.width,
      height: image.height,
      content_type: image.contentType,
      frames: image.frames,
      // An animation beyond MAX_ANIMATION_FRAMES or MAX_ANIMATION_PIXELS: previewed as its first frame.
      first_frame_only: image.firstFrameOnly,
    };
  }

  async function answer(request: ResizeRequest, key: string, context: Context, summary: Summary): Promise<Answer> {
    const deadline = invocationDeadline(context);
    const outcome = await timeExclusive(summary, 'idempotency', () =>
      idempotency.run(request, context, () => generate(request, key, deadline, summary), toRecord),
    );
    summary.outcome = outcome.kind;
    let preview: GeneratedPreview;
    if (outcome.kind !== 'replayed') {
      preview = outcome.value;
    } else {
      const { record } = outcome;
      summary.bytes_out = record.size;
      // Too large to inline: no need to read it back.
      if (!fitsInResponse(record.key, record.contentType, record.size)) return keyOnly(record.key, record.contentType);
      const stored = await timePhase(summary, 'read', () => storage.readPreview(request.dst_bucket, record.key, deadline));
      if (stored !== undefined) {
        summary.bytes_out = stored.length;
        return respond(record.key, record.contentType, stored);
      }
      // The preview was deleted after it was recorded: make it again rather than answer without data.
      logger.warn('Recorded preview is missing from S3; generating it again', { key: record.key });
      preview = await generate(request, key, deadline, summary);
      summary.outcome = 'regenerated';
    }
    Object.assign(summary, describeGenerated(preview));
    return respond(preview.key, preview.image.contentType, preview.image.data);
  }

  return async function handler(event: unknown, context: Context): Promise<ResizeResponse> {
    const started = performance.now();
    // Powertools adds cold_start, function_request_id and the function's name to every line.
    logger.addContext(context);
    const summary: Summary = requestFields(event);
    /** The validated preset: the only preset name that may become a metric dimension. */
    let preset: string | undefined;
    const log = (level: 'info' | 'warn' | 'error', extra: Record<string, unknown> = {}): void => {
      summary.duration_ms = Math.round(performance.now() - started);
      logger[level]('preview', { ...summary, ...extra });
      try {
        metrics.publish(summary, preset);
      } catch (error) {
        // Metrics are diagnostics: they never fail an invocation.
        logger.warn('Metrics could not be published', { error });
      }
    };

    try {
      const { request, key } = validate(event, config);
      summary.key = key;
      preset = request.preset_name;
      const { response, omitted } = await answer(request, key, context, summary);
      summary.data_omitted = omitted;
      log('info');
      return response;
    } catch (error) {
      if (error instanceof PreviewError) {
        summary.outcome = 'failed';
        summary.code = error.code;
        summary.error = error.message;
        log('warn');
        return failureResponse(error.code, error.message);
      }
      if (error instanceof IdempotencyAlreadyInProgressError) {
        // Expected under concurrency: the caller (the invoker) waits and asks again.
        summary.outcome = 'in-progress';
        log('info');
        throw error;
      }
      summary.outcome = 'error';
      log('error', { error: error instanceof Error ? error : String(error) });
      throw error;
    }
  };
}
