/**
 * Makes previews through the function, exactly as the proxy does: `@preview-lambda/invoker` with the
 * request the layout gives (`layoutRequest`), so a backfilled preview is byte for byte the one a visitor
 * would have caused, with its idempotency record. Transient failures are retried with backoff (p-retry);
 * a failure that would repeat for every original (no such function, credentials refused) stops the run.
 *
 * @module
 */
import {
  DeadlineExceededError,
  FunctionError,
  InvocationAbortedError,
  InvokeFailedError,
  InvokerError,
  type PreviewInvoker,
} from '@preview-lambda/invoker';
import { layoutRequest, parseVariantSegment, type PreviewLayout, type ResizeErrorCode } from '@preview-lambda/contract';
import pRetry from 'p-retry';
import { RunAbortedError } from './errors.js';
import type { OriginalState } from './listing.js';
import type { Tally } from './tally.js';

/**
 * Answers about the original itself, the same for every preset, so the run asks no further preset:
 * an original the function cannot preview (counted `unusable`, not a failure of the run), one deleted
 * since it was listed (`vanished`), one S3 will not let the function read (a failure).
 */
const UNUSABLE: ReadonlySet<ResizeErrorCode> = new Set(['SOURCE_TOO_LARGE', 'NOT_AN_IMAGE', 'CORRUPT_IMAGE', 'TOO_MANY_PIXELS', 'UNSUPPORTED_FORMAT']);
const ORIGINAL_CODES: ReadonlySet<ResizeErrorCode> = new Set([...UNUSABLE, 'SOURCE_NOT_FOUND', 'ACCESS_DENIED']);

/** Options of {@link PreviewMaker}. */
export interface PreviewMakerOptions {
  readonly invoker: PreviewInvoker;
  readonly layout: PreviewLayout;
  readonly bucket: string;
  readonly destinationBucket: string;
  /** Retries of a transient failure (after the first attempt). */
  readonly retries: number;
  /** Wait before the first retry, in ms (doubled each time, jittered). */
  readonly retryDelayMs: number;
  readonly tally: Tally;
}

/** Whether retrying `error` may help: function errors (S3 5xx inside it), deadlines, throttling, network. */
function isTransient(error: unknown): boolean {
  if (error instanceof FunctionError || error instanceof DeadlineExceededError) return true;
  if (error instanceof InvokeFailedError) return !isFatal(error);
  return false;
}

/** Whether `error` would repeat for every original: a client error of the Invoke API other than throttling. */
function isFatal(error: unknown): boolean {
  if (!(error instanceof InvokeFailedError)) return false;
  const { errorName, httpStatusCode } = error;
  if (errorName === 'TooManyRequestsException' || errorName === 'ThrottlingException') return false;
  return httpStatusCode !== undefined && httpStatusCode >= 400 && httpStatusCode < 500;
}

/** Generates presets of originals through the function. */
export class PreviewMaker {
  readonly #options: PreviewMakerOptions;

  public constructor(options: PreviewMakerOptions) {
    this.#options = options;
  }

  /**
   * Generates the previews `presets` names (variant segments: `small`, `small@avif`) of `original`, one
   * after the other, counting `generated`, `retries` and failures in the tally.
   *
   * @throws {RunAbortedError} the Invoke API refused in a way every original would meet.
   */
  public async make(original: OriginalState, presets: readonly string[], signal: AbortSignal): Promise<void> {
    const { invoker, layout, tally } = this.#options;
    for (const [index, preset] of presets.entries()) {
      const variant = parseVariantSegment(preset)!;
      const request = layoutRequest(layout, {
        preset: variant.preset,
        format: variant.format,
        path: original.path,
        sourceBucket: this.#options.bucket,
        destinationBucket: this.#options.destinationBucket,
      })!;
      try {
        const result = await pRetry(() => invoker.invoke(request, { signal }), {
          retries: this.#options.retries,
          factor: 2,
          minTimeout: this.#options.retryDelayMs,
          randomize: true,
          signal,
          shouldRetry: (error) => isTransient(error),
          onFailedAttempt: (error) => {
            if (isTransient(error) && error.retriesLeft > 0) tally.add('retries');
          },
        });
        if (result.kind !== 'failed') {
          tally.add('generated');
          continue;
        }
        if (UNUSABLE.has(result.code)) return tally.unusableOriginal({ key: original.key, code: result.code, message: result.message });
        if (result.code === 'SOURCE_NOT_FOUND') return tally.add('vanished');
        tally.fail({ key: original.key, preset, code: result.code, message: result.message });
        if (ORIGINAL_CODES.has(result.code)) {
          for (const other of presets.slice(index + 1)) {
            tally.fail({ key: original.key, preset: other, code: result.code, message: `${result.message} (not asked again)` });
          }
          return;
        }
      } catch (error) {
        if (error instanceof InvocationAbortedError || signal.aborted) {
          tally.add('aborted', presets.length - index);
          return;
        }
        if (isFatal(error)) throw new RunAbortedError(`The function cannot be invoked: ${(error as Error).message}`, { cause: error });
        const code = error instanceof InvokerError ? error.code : 'ERROR';
        tally.fail({ key: original.key, preset, code, message: (error as Error).message });
      }
    }
  }
}
