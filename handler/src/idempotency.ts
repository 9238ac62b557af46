/**
 * Exactly-once preview generation across concurrent invocations, in place of the old proxy's Redis locks:
 * Powertools idempotency over DynamoDB.
 *
 * - The key is the hash of the validated request (the seven Go fields, and `format` for a variant;
 *   unknown fields stripped), so every field that determines the output is covered and nothing else is,
 *   each variant has its own record, and a Go request keeps the key it always had.
 * - The stored result is a small {@link PreviewRecord} (key, content type, size, ETag), never image bytes.
 * - A thrown error deletes the record (Powertools), so failures are never stored as completed.
 * - The Lambda context is registered per invocation, so a crashed run frees its key at the deadline.
 * - A concurrent duplicate gets `IdempotencyAlreadyInProgressError`, thrown to the caller.
 * - When DynamoDB cannot be reached the preview is generated anyway (fail open) with a warning.
 */

import {
  IdempotencyConfig,
  IdempotencyPersistenceLayerError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ResizeRequest } from '@preview-lambda/contract';
import type { Context } from 'aws-lambda';
import * as z from 'zod';

/** What the idempotency table keeps for a completed preview: enough to rebuild the response from S3. */
export const PreviewRecord = z.object({
  key: z.string().min(1),
  contentType: z.string().min(1),
  size: z.number().int().nonnegative(),
  etag: z.string(),
});
/** What the idempotency table keeps for a completed preview. */
export type PreviewRecord = z.infer<typeof PreviewRecord>;

/** Key under which `responseHook` wraps a replayed record, so a replay cannot be mistaken for a run. */
const REPLAYED = 'replayedRecord';

function isReplay(answer: unknown): answer is { [REPLAYED]: unknown } {
  return answer !== null && typeof answer === 'object' && REPLAYED in answer;
}

/** How a call was satisfied. */
export type GuardedOutcome<T> =
  /** This invocation ran the generation; `value` is what it produced. */
  | { readonly kind: 'executed'; readonly value: T; readonly record: PreviewRecord }
  /** An earlier invocation completed it; only its record is available. */
  | { readonly kind: 'replayed'; readonly record: PreviewRecord }
  /** DynamoDB could not be reached; the generation ran unguarded. */
  | { readonly kind: 'unguarded'; readonly value: T; readonly record: PreviewRecord };

/** Options for {@link PreviewIdempotency}. */
export interface PreviewIdempotencyOptions {
  /** Idempotency table (partition key `id`, TTL attribute `expiration`). */
  tableName: string;
  /** How long a completed record replays. */
  expiresAfterSeconds: number;
  /** Logger for fail-open warnings. */
  logger: Logger;
  /** DynamoDB client (`createClients` gives it the timeouts that make an outage fail open quickly). */
  client: DynamoDBClient;
}

/** Runs a generation at most once per request across concurrent invocations. */
export class PreviewIdempotency {
  readonly #store: BasePersistenceLayer;
  readonly #expiresAfterSeconds: number;
  readonly #logger: Logger;

  public constructor(options: PreviewIdempotencyOptions) {
    this.#expiresAfterSeconds = options.expiresAfterSeconds;
    this.#logger = options.logger;
    this.#store = new DynamoDBPersistenceLayer({
      tableName: options.tableName,
      awsSdkV3Client: options.client,
    });
  }

  /**
   * Deletes the record of `request`, completed or in progress, so that the next identical request runs
   * again instead of replaying. The key is computed by the persistence layer's own `deleteRecord`, from
   * the same payload `run` hashes (`{ ...request }`, the validated fields), after `configure()` with
   * the same settings `makeIdempotent` gives it, so it is exactly the key `run` writes.
   *
   * @throws {IdempotencyPersistenceLayerError} (or the SDK's error) when DynamoDB cannot be reached.
   */
  public async forget(request: ResizeRequest): Promise<void> {
    this.#store.configure({ config: new IdempotencyConfig({ expiresAfterSeconds: this.#expiresAfterSeconds }) });
    await this.#store.deleteRecord({ ...request });
  }

  /**
   * Runs `generate` unless an identical request completed before (replayed) or is running now
   * (`IdempotencyAlreadyInProgressError` is thrown). `toRecord` extracts the small stored record.
   */
  public async run<T>(
    request: ResizeRequest,
    context: Context,
    generate: () => Promise<T>,
    toRecord: (value: T) => PreviewRecord,
  ): Promise<GuardedOutcome<T>> {
    // One config per invocation: registering the context mutates it, and calls may overlap in-process.
    // Powertools calls `responseHook` only when it answers from a stored record: that marks a replay.
    const config = new IdempotencyConfig({
      expiresAfterSeconds: this.#expiresAfterSeconds,
      lambdaContext: context,
      responseHook: (stored) => ({ [REPLAYED]: stored }),
    });
    // The generated value (image bytes) cannot go through the store, which keeps only the small record.
    let produced: { value: T; record: PreviewRecord } | undefined;
    let failure: { error: unknown } | undefined;
    const guarded = makeIdempotent(
      async (_payload: ResizeRequest): Promise<PreviewRecord> => {
        try {
          const value = await generate();
          produced = { value, record: toRecord(value) };
          return produced.record;
        } catch (error) {
          failure = { error };
          throw error;
        }
      },
      { persistenceStore: this.#store, config, dataIndexArgument: 0 },
    );

    try {
      const answer: unknown = await guarded({ ...request });
      if (isReplay(answer)) return { kind: 'replayed', record: PreviewRecord.parse(answer[REPLAYED]) };
      return { kind: 'executed', ...produced! };
    } catch (error) {
      if (!(error instanceof IdempotencyPersistenceLayerError)) throw error;
      // The store failed. Whatever the generation did stands; only its bookkeeping is lost.
      if (failure !== undefined) {
        this.#logger.warn('Idempotency record could not be cleared after a failure', { error });
        throw failure.error;
      }
      if (produced !== undefined) {
        this.#logger.warn('Idempotency record could not be completed; the preview was generated', { error });
        return { kind: 'executed', ...produced };
      }
      this.#logger.warn('Idempotency store unreachable; generating without deduplication', { error });
      const value = await generate();
      return { kind: 'unguarded', value, record: toRecord(value) };
    }
  }
}
