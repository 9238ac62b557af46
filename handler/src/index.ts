/**
 * Lambda entry point (`index.handler`). Cold start parses the environment once (a bad variable fails the
 * init with a message naming every bad variable), tunes sharp and builds the clients; each invocation
 * then runs {@link createHandler}'s pipeline.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { loadHandlerConfig } from './config.js';
import { createHandler, type PreviewHandler } from './handler.js';
import { PreviewIdempotency } from './idempotency.js';
import { tuneSharp } from './image/index.js';
import { S3PreviewStorage } from './storage.js';

const config = loadHandlerConfig();
tuneSharp();
const logger = new Logger({ serviceName: config.serviceName, logLevel: config.logLevel });

/** The deployed Lambda handler. */
export const handler: PreviewHandler = createHandler({
  config,
  logger,
  storage: new S3PreviewStorage({ forcePathStyle: config.s3ForcePathStyle }),
  idempotency: new PreviewIdempotency({
    tableName: config.idempotencyTableName,
    expiresAfterSeconds: config.idempotencyTtlSeconds,
    logger,
  }),
});
