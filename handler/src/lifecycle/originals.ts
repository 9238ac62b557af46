/**
 * What the function does to the previews of one original, whatever asked for it (an S3 event, an
 * EventBridge event, a Batch Operations task): find them from the layout, purge them and the idempotency
 * records that would replay them, and generate presets through the same path as the proxy's requests.
 *
 * @module
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  FUNCTION_RESERVE_MS,
  layoutRequest,
  type PreviewLocation,
  previewLocations,
  type ResizeErrorCode,
  type ResizeRequest,
  type ResizeResponse,
  variantSegment,
} from '@preview-lambda/contract';
import type { Context } from 'aws-lambda';
import type { HandlerConfig } from '../config.js';
import { invocationDeadline, type PreviewHandler } from '../handler.js';
import type { PreviewIdempotency } from '../idempotency.js';
import type { S3PreviewStorage } from '../storage.js';
import type { S3PreviewDeleter } from '../storage-delete.js';

/** An original of the layout: its bucket, key, and path below the originals prefix. */
export interface Original {
  readonly bucket: string;
  readonly key: string;
  /** `key` without `<SOURCE_PREFIX>/`, e.g. `a/b.jpg`. */
  readonly path: string;
  /** Its previews, every preset's and every variant's, in catalogue order (`previewLocations`). */
  readonly previews: readonly PreviewLocation[];
}

/** Why an object is not an original the function looks after. */
export type NotAnOriginal =
  /** Its bucket is not in `SOURCE_BUCKETS`. */
  | { readonly reason: 'bucket-not-allowed'; readonly message: string }
  /** Its key is outside the originals prefix, or not one the layout maps (`.` segments, too long, a folder). */
  | { readonly reason: 'outside-layout'; readonly message: string };

/**
 * What generating one preview came to; `preset` names the variant as its key does (`small`, `small@avif`).
 */
export type PresetOutcome =
  /** `deferred`: not started, too little of the invocation was left (see {@link PREVIEW_TIME_FLOOR_MS}). */
  | { readonly preset: string; readonly outcome: 'generated' | 'existing' | 'deferred' }
  | { readonly preset: string; readonly outcome: 'failed'; readonly code: ResizeErrorCode; readonly message: string };

/** Options of {@link OriginalPreviews}. */
export interface OriginalPreviewsOptions {
  readonly config: HandlerConfig;
  readonly storage: S3PreviewStorage;
  readonly deleter: S3PreviewDeleter;
  readonly idempotency: PreviewIdempotency;
  readonly logger: Logger;
  /** The preview handler (the Go contract's), through which every generation goes. */
  readonly preview: PreviewHandler;
}

/**
 * The least time, in ms, a preview is expected to take when deciding whether another one still fits in an
 * invocation: a preview is started only while `FUNCTION_RESERVE_MS` plus the larger of this and twice the
 * longest preview so far is left. (A 24 MP original took up to ~0.6 s per preview on this project's 2-core
 * x86 machine, AVIF included; a Lambda at 1536 MB has less than one vCPU.)
 */
export const PREVIEW_TIME_FLOOR_MS = 1_000;

/** Purges and generates the previews of originals. */
export class OriginalPreviews {
  readonly #options: OriginalPreviewsOptions;

  public constructor(options: OriginalPreviewsOptions) {
    this.#options = options;
  }

  /** The original at `bucket`/`key`, or why the function does not look after that object. */
  public locate(bucket: string, key: string): Original | NotAnOriginal {
    const { config } = this.#options;
    if (!config.sourceBuckets.includes(bucket)) {
      return { reason: 'bucket-not-allowed', message: `Bucket "${bucket}" is not an allowed source bucket` };
    }
    const locations = previewLocations(config.layout, key);
    if (locations === undefined) {
      const prefix = `${config.layout.sourcePrefix}/`;
      return { reason: 'outside-layout', message: `${JSON.stringify(key)} is not an original below ${JSON.stringify(prefix)}` };
    }
    return { bucket, key, path: key.slice(config.layout.sourcePrefix.length + 1), previews: locations };
  }

  /**
   * The bucket previews of originals in `sourceBucket` are generated into: that bucket when it is an
   * allowed destination (previews beside their originals), else the only destination bucket; `undefined`
   * when several destinations are allowed and none is the source bucket (then only the caller knows).
   */
  public destinationFor(sourceBucket: string): string | undefined {
    const { destinationBuckets } = this.#options.config;
    if (destinationBuckets.includes(sourceBucket)) return sourceBucket;
    return destinationBuckets.length === 1 ? destinationBuckets[0] : undefined;
  }

  /**
   * Deletes every preview of `original` in every destination bucket (one DeleteObjects each), then the
   * idempotency records of every request that could replay one (each preset and format, each destination).
   * Records are hygiene: a replayed record whose preview is gone is generated again from the original
   * (see `handler.ts`), so a DynamoDB failure here is logged, not thrown.
   *
   * @returns how many preview keys were deleted (S3 counts a missing key as deleted).
   * @throws {PreviewsNotDeletedError} S3 refused some deletes.
   * @throws {DependencyDeadlineError} the invocation's deadline passed.
   */
  public async purge(original: Original, deadline: AbortSignal): Promise<number> {
    const { config, deleter, idempotency, logger } = this.#options;
    let deleted = 0;
    for (const bucket of config.destinationBuckets) {
      deleted += await deleter.deleteAll(bucket, original.previews.map((preview) => preview.key), deadline);
    }
    const requests = config.destinationBuckets.flatMap((destination) =>
      original.previews.map((preview) => this.#request(original, preview, destination)),
    );
    const forgotten = await Promise.allSettled(requests.map((request) => idempotency.forget(request)));
    const failed = forgotten.filter((result) => result.status === 'rejected');
    if (failed.length > 0) {
      logger.warn('Idempotency records could not be deleted; replays will regenerate the purged previews', {
        key: original.key,
        failed: failed.length,
        error: failed[0]!.reason instanceof Error ? failed[0]!.reason : String(failed[0]!.reason),
      });
    }
    return deleted;
  }

  /**
   * Generates every preview of `presets` of `original` into `destination` (each preset's source-format
   * preview and its formats), one after the other, through the preview handler (validation, idempotency,
   * the freshness check: exactly a proxy request's path). With `skipExisting`, a preview that exists is
   * left as it is (HeadObject). The first preview always runs; a later one only while the invocation has
   * time for it (see {@link PREVIEW_TIME_FLOOR_MS}), the rest are `deferred`, so a large catalogue of
   * large originals ends with an answer instead of the function's timeout.
   *
   * @returns one outcome per preview; permanent failures (`NOT_AN_IMAGE`, …) are outcomes, not errors.
   * @throws whatever the preview handler throws: transient failures (S3 5xx, throttling, deadlines,
   *   `IdempotencyAlreadyInProgressError`).
   */
  public async generate(
    original: Original,
    presets: readonly string[],
    destination: string,
    context: Context,
    options: { readonly skipExisting: boolean },
  ): Promise<PresetOutcome[]> {
    const outcomes: PresetOutcome[] = [];
    let longest = 0;
    for (const preview of original.previews.filter((each) => presets.includes(each.preset))) {
      const name = variantSegment(preview.preset, preview.format);
      const needed = FUNCTION_RESERVE_MS + Math.max(PREVIEW_TIME_FLOOR_MS, 2 * longest);
      if (outcomes.length > 0 && context.getRemainingTimeInMillis() < needed) {
        outcomes.push({ preset: name, outcome: 'deferred' });
        continue;
      }
      const started = performance.now();
      if (options.skipExisting && (await this.#options.storage.headPreview(destination, preview.key, invocationDeadline(context)))) {
        outcomes.push({ preset: name, outcome: 'existing' });
        continue;
      }
      const response: ResizeResponse = await this.#options.preview(this.#request(original, preview, destination), context);
      outcomes.push(
        response.status
          ? { preset: name, outcome: 'generated' }
          : { preset: name, outcome: 'failed', code: response.code ?? 'INVALID_REQUEST', message: response.error },
      );
      // A failure of the original itself fails every preview the same way: stop at the first.
      if (!response.status) break;
      longest = Math.max(longest, performance.now() - started);
    }
    return outcomes;
  }

  #request(original: Original, preview: PreviewLocation, destination: string): ResizeRequest {
    const target = { preset: preview.preset, format: preview.format, path: original.path, sourceBucket: original.bucket, destinationBucket: destination };
    return layoutRequest(this.#options.config.layout, target)!;
  }
}
