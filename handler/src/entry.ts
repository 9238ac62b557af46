/**
 * The function's one entry point (`index.handler`): the Go payload, S3 event notifications, EventBridge
 * S3 events and S3 Batch Operations invocations, told apart and validated by `events/detect.ts`. A Go
 * payload goes to the preview handler untouched, so its answer is byte for byte what it always was.
 *
 * @module
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { ResizeResponse } from '@preview-lambda/contract';
import type { Context } from 'aws-lambda';
import type { HandlerConfig } from './config.js';
import { classifyEvent, type FunctionEvent } from './events/detect.js';
import type { PreviewHandler } from './handler.js';
import { type BatchResponse, handleBatch } from './lifecycle/batch.js';
import { handleObjectEvents, type ObjectEventsReport } from './lifecycle/object-events.js';
import type { OriginalPreviews } from './lifecycle/originals.js';
import type { PreviewMetrics } from './metrics.js';

/** What the function answers: the Go response, an object-event report, or a Batch Operations response. */
export type FunctionResponse = ResizeResponse | ObjectEventsReport | BatchResponse;

/** The deployed Lambda handler: any event the function accepts in, its answer out. */
export type FunctionHandler = (event: unknown, context: Context) => Promise<FunctionResponse>;

/** What {@link createFunctionHandler} routes to. */
export interface FunctionHandlerDependencies {
  readonly config: HandlerConfig;
  readonly logger: Logger;
  /** The preview requests' metrics; here only the cold start of the other invocations. */
  readonly metrics: PreviewMetrics;
  /** The Go contract's handler. */
  readonly preview: PreviewHandler;
  /** Purges and generates the previews of originals. */
  readonly originals: OriginalPreviews;
}

/** Creates the entry point over the preview handler and the lifecycle of originals. */
export function createFunctionHandler(dependencies: FunctionHandlerDependencies): FunctionHandler {
  const { config, logger, metrics, preview, originals } = dependencies;
  const presets = Object.freeze([...config.layout.presets.keys()]);

  return async function handler(event: unknown, context: Context): Promise<FunctionResponse> {
    let classified: FunctionEvent;
    try {
      classified = classifyEvent(event);
    } catch (error) {
      metrics.publishColdStart();
      logger.addContext(context);
      logger.error('event', { outcome: 'invalid', error: error instanceof Error ? error : String(error) });
      throw error;
    }
    // A preview request's blob counts its own cold start; any other invocation counts it here.
    if (classified.kind !== 'preview') metrics.publishColdStart();
    switch (classified.kind) {
      case 'preview':
        return preview(event, context);
      case 'objects':
        logger.addContext(context);
        return handleObjectEvents(classified.source, classified.objects, context, {
          originals,
          logger,
          eagerPresets: config.eagerPresets,
        });
      case 'batch':
        logger.addContext(context);
        return handleBatch(classified.invocation, context, { originals, logger, presets });
      default: {
        const unreachable: never = classified;
        throw new Error(`Unhandled event kind ${String(unreachable)}`);
      }
    }
  };
}
