/**
 * Lambda entry point (`index.handler`). Cold start parses the environment once (a bad variable fails the
 * init with a message naming every bad variable), loads the tracer when tracing is on, and builds the
 * function ({@link createPreviewHandler}); each invocation then runs its pipeline.
 */
import { loadHandlerConfig } from './config.js';
import { createClients, createPreviewHandler } from './create.js';
import type { PreviewHandler } from './handler.js';
import { loadTracer } from './tracing.js';

const config = loadHandlerConfig();
// Loaded only when POWERTOOLS_TRACE_ENABLED is on (tracing.ts): a cold start without it does not pay for it.
const tracer = await loadTracer(config);

/** The deployed Lambda handler. */
export const handler: PreviewHandler = createPreviewHandler(config, createClients(config), tracer === undefined ? {} : { tracer });
