/**
 * Lambda entry point (`index.handler`). Cold start parses the environment once (a bad variable fails the
 * init with a message naming every bad variable) and builds the function ({@link createPreviewHandler});
 * each invocation then runs its pipeline.
 */
import { loadHandlerConfig } from './config.js';
import { createClients, createPreviewHandler } from './create.js';
import type { PreviewHandler } from './handler.js';

const config = loadHandlerConfig();

/** The deployed Lambda handler. */
export const handler: PreviewHandler = createPreviewHandler(config, createClients(config));
