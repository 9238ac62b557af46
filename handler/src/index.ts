/**
 * Lambda entry point (`index.handler`). Cold start parses the environment once (a bad variable fails the
 * init with a message naming every bad variable), loads the tracer when tracing is on, and builds the
 * function ({@link createPreviewFunction}); each invocation then runs its pipeline.
 */
import { loadHandlerConfig } from './config.js';
import { createClients, createPreviewFunction } from './create.js';
import type { FunctionHandler } from './entry.js';
import { loadTracer } from './tracing.js';

const config = loadHandlerConfig();
// Loaded only when POWERTOOLS_TRACE_ENABLED is on (tracing.ts): a cold start without it does not pay for it.
const tracer = await loadTracer(config);

/** The deployed Lambda handler: Go payloads, S3 and EventBridge object events, S3 Batch Operations. */
export const handler: FunctionHandler = createPreviewFunction(
  config,
  createClients(config),
  tracer === undefined ? {} : { tracer },
).handler;
