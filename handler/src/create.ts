/**
 * The function's one composition root: the configuration and two SDK clients in, the Lambda handler out.
 * Production (`index.ts`), `npm start`, `npm run invoke`, the local Lambda endpoint and the tests all build
 * the function here, so they differ only in the endpoints and credentials of the clients they pass.
 *
 * @module
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { HandlerConfig } from './config.js';
import { createFunctionHandler, type FunctionHandler } from './entry.js';
import { PreviewFreshness } from './freshness.js';
import { createHandler, type PreviewHandler, type ResizeFunction } from './handler.js';
import { PreviewIdempotency } from './idempotency.js';
import { resizeImage, tuneSharp } from './image/index.js';
import { OriginalPreviews } from './lifecycle/originals.js';
import { PreviewMetrics } from './metrics.js';
import { S3PreviewStorage } from './storage.js';
import { S3PreviewDeleter } from './storage-delete.js';
import { RESIZE_SUBSEGMENT, traceClients, traced, traceHandler } from './tracing.js';

/** The SDK clients the function talks through. */
export interface PreviewClients {
  /** Reads originals, reads and writes previews. */
  readonly s3: S3Client;
  /** Reads and writes idempotency records. */
  readonly dynamodb: DynamoDBClient;
}

/** Where the clients point, when not at AWS: only endpoints, credentials and region. */
export interface ClientOverrides {
  /** Merged into the S3 client's configuration (e.g. `endpoint`, `credentials`, `region`). */
  readonly s3?: Pick<S3ClientConfig, 'endpoint' | 'credentials' | 'region'>;
  /** Merged into the DynamoDB client's configuration. */
  readonly dynamodb?: Pick<DynamoDBClientConfig, 'endpoint' | 'credentials' | 'region'>;
}

/**
 * DynamoDB client settings: 2 attempts of at most 300 ms to connect and 500 ms to answer, each a thrown
 * `TimeoutError` (`throwOnRequestTimeout`: `@smithy/node-http-handler` 4.x only logs a warning without it),
 * so a DynamoDB that hangs makes the handler fail open (generate without deduplication) after about a
 * second, not at the function timeout. In-region DynamoDB answers in milliseconds.
 */
const DYNAMODB_SETTINGS = {
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 300, requestTimeout: 500, throwOnRequestTimeout: true },
} as const satisfies DynamoDBClientConfig;

/**
 * S3 client settings: the SDK's 3 attempts, each at most 1 s to connect, 3 s until the response headers
 * (thrown, see above) and 3 s of silence while a body streams (`socketTimeout`). The handler also aborts
 * every S3 call `FUNCTION_RESERVE_MS` before its own deadline, whatever the attempts left.
 */
const S3_SETTINGS = {
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true, socketTimeout: 3_000 },
} as const satisfies S3ClientConfig;

/**
 * Builds the function's clients with production settings; `overrides` only point them elsewhere (the
 * emulators). The AWS SDK reads `AWS_REGION`, credentials and `AWS_ENDPOINT_URL_*` itself when not given.
 */
export function createClients(config: HandlerConfig, overrides: ClientOverrides = {}): PreviewClients {
  return {
    s3: new S3Client({ ...S3_SETTINGS, forcePathStyle: config.s3ForcePathStyle, ...overrides.s3 }),
    dynamodb: new DynamoDBClient({ ...DYNAMODB_SETTINGS, ...overrides.dynamodb }),
  };
}

/** Options of {@link createPreviewFunction}. */
export interface PreviewHandlerOptions {
  /** The logger of the handler and of idempotency. Default: a Powertools `Logger` at `config.logLevel`. */
  readonly logger?: Logger;
  /** The resize step. Default: the sharp pipeline (`resizeImage`); tests wrap it to count calls. */
  readonly resize?: ResizeFunction;
  /**
   * Where each invocation's EMF metrics blob goes, as one JSON line. Default: standard output (the Lambda
   * log stream, from which CloudWatch extracts the metrics). The local tools print it; tests parse it.
   */
  readonly emitMetrics?: (line: string) => void;
  /**
   * X-Ray tracing (`loadTracer(config)` gives one when `POWERTOOLS_TRACE_ENABLED` is on in Lambda): the
   * clients' calls, the invocation and the resize become subsegments. Default: none.
   */
  readonly tracer?: Tracer;
}

/** The function, built once: its entry point and, inside it, the Go contract's handler. */
export interface PreviewFunction {
  /** The entry point (`index.handler`): Go payloads, S3 and EventBridge events, Batch Operations. */
  readonly handler: FunctionHandler;
  /** The Go contract's handler alone (what the entry point hands a Go payload to). */
  readonly preview: PreviewHandler;
}

/**
 * Builds the function: the S3 adapter and Powertools idempotency over `clients`, the sharp pipeline, the
 * lifecycle of originals (purge, eager generation, Batch Operations), Powertools Metrics (one EMF blob per
 * preview request, `metrics.ts`), optional X-Ray tracing (`tracing.ts`), and process-wide sharp tuning
 * (`tuneSharp`, idempotent).
 */
export function createPreviewFunction(
  config: HandlerConfig,
  clients: PreviewClients,
  options: PreviewHandlerOptions = {},
): PreviewFunction {
  tuneSharp();
  const { tracer } = options;
  const logger = options.logger ?? new Logger({ serviceName: config.serviceName, logLevel: config.logLevel });
  const metrics = new PreviewMetrics({
    namespace: config.metricsNamespace,
    serviceName: config.serviceName,
    ...(options.emitMetrics === undefined ? {} : { emit: options.emitMetrics }),
  });
  const resize = options.resize ?? resizeImage;
  if (tracer !== undefined) traceClients(tracer, [clients.s3, clients.dynamodb]);
  const storage = new S3PreviewStorage({ client: clients.s3 });
  const deleter = new S3PreviewDeleter({ client: clients.s3 });
  const idempotency = new PreviewIdempotency({
    tableName: config.idempotencyTableName,
    expiresAfterSeconds: config.idempotencyTtlSeconds,
    logger,
    client: clients.dynamodb,
  });
  const preview = createHandler({
    config,
    logger,
    metrics,
    storage,
    idempotency,
    freshness: new PreviewFreshness({ storage, deleter, logger }),
    resize: tracer === undefined ? resize : traced(tracer, RESIZE_SUBSEGMENT, resize),
  });
  const originals = new OriginalPreviews({ config, storage, deleter, idempotency, logger, preview });
  const handler = createFunctionHandler({ config, logger, metrics, preview, originals });
  return { handler: tracer === undefined ? handler : traceHandler(tracer, handler), preview };
}
