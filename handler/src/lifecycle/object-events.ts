/**
 * S3 object events (notifications and EventBridge): a removed original loses its previews; a created or
 * replaced one loses its stale previews and, with `EAGER_PRESETS`, gets those presets made at once.
 * Objects outside the layout are ignored (debug log); every original handled is one `lifecycle` log line.
 *
 * @module
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type { ObjectEvent, ObjectEventSource } from '../events/detect.js';
import { invocationDeadline } from '../handler.js';
import type { OriginalPreviews, PresetOutcome } from './originals.js';

/** What the function did about one object of an event. */
export type ObjectEventOutcome =
  | {
      readonly bucket: string;
      readonly key: string;
      readonly event: string;
      readonly action: 'purged';
      /** Preview keys deleted (a missing one counts). */
      readonly purged: number;
      /** The eager presets generated after the purge (created originals only). */
      readonly generated: readonly PresetOutcome[];
    }
  | { readonly bucket: string; readonly key: string; readonly event: string; readonly action: 'ignored'; readonly reason: string };

/** The answer to an object event (asynchronous invocations discard it; it is logged). */
export interface ObjectEventsReport {
  readonly source: ObjectEventSource;
  readonly objects: readonly ObjectEventOutcome[];
}

/** Options of {@link handleObjectEvents}. */
export interface ObjectEventsOptions {
  readonly originals: OriginalPreviews;
  readonly logger: Logger;
  /** `EAGER_PRESETS`. */
  readonly eagerPresets: readonly string[];
}

/**
 * Handles the objects of one event, each in turn. A transient failure of one does not stop the others;
 * the first is rethrown at the end, so the event is retried (every step is idempotent).
 */
export async function handleObjectEvents(
  source: ObjectEventSource,
  objects: readonly ObjectEvent[],
  context: Context,
  options: ObjectEventsOptions,
): Promise<ObjectEventsReport> {
  const { originals, logger, eagerPresets } = options;
  const outcomes: ObjectEventOutcome[] = [];
  let failure: { error: unknown } | undefined;
  for (const object of objects) {
    const { bucket, key, name: event } = object;
    const ignore = (reason: string, level: 'debug' | 'warn' = 'debug'): void => {
      outcomes.push({ bucket, key, event, action: 'ignored', reason });
      logger[level]('lifecycle', { source, event, bucket, key, action: 'ignored', reason });
    };
    if (object.change === undefined) {
      ignore(`${event} events do not change previews`);
      continue;
    }
    const original = originals.locate(bucket, key);
    if ('reason' in original) {
      // A bucket the function may not read is a wiring mistake worth seeing; a key outside the originals
      // prefix (a preview's own event, a folder marker) is expected when notifications are not filtered.
      ignore(original.message, original.reason === 'bucket-not-allowed' ? 'warn' : 'debug');
      continue;
    }
    try {
      const started = performance.now();
      const purged = await originals.purge(original, invocationDeadline(context));
      const destination = originals.destinationFor(bucket);
      const generated =
        object.change === 'created' && eagerPresets.length > 0 && destination !== undefined
          ? await originals.generate(original, eagerPresets, destination, context, { skipExisting: false })
          : [];
      outcomes.push({ bucket, key, event, action: 'purged', purged, generated });
      logger.info('lifecycle', {
        source,
        event,
        bucket,
        key,
        action: 'purged',
        purged,
        generated: generated.map((outcome) => `${outcome.preset}:${outcome.outcome}`).join(','),
        duration_ms: Math.round(performance.now() - started),
      });
    } catch (error) {
      logger.error('lifecycle', { source, event, bucket, key, action: 'error', error: error instanceof Error ? error : String(error) });
      failure ??= { error };
    }
  }
  if (failure !== undefined) throw failure.error;
  return { source, objects: outcomes };
}
