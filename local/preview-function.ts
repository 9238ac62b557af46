/**
 * The preview function as the local tools run it: the emulators provisioned the way the SAM stack
 * provisions AWS (bucket, idempotency table, sample originals), the function's environment, and the
 * handler pipeline wired as `handler/src/index.ts` wires it, with counters.
 *
 * Shared by `npm run lambda:local` (`lambda-server-cli.ts`), `npm run invoke` (`invoke.ts`), `npm start`
 * (`start.ts`), the end-to-end tests and the proxy benchmark (`stack.ts`), and the integration-test harness
 * (`test/support/harness.ts`).
 *
 * @module
 */
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { type HandlerConfig, HandlerEnvironment, parseHandlerConfig } from '../handler/src/config.js';
import { createHandler, type PreviewHandler, type ResizeFunction } from '../handler/src/handler.js';
import { PreviewIdempotency } from '../handler/src/idempotency.js';
import { resizeImage, tuneSharp } from '../handler/src/image/index.js';
import { S3PreviewStorage } from '../handler/src/storage.js';
import type { Emulators } from './emulators.js';
import { type FunctionSettings, readFunctionSettings } from './lambda/template-defaults.js';
import type { LambdaFunctionDefinition, LambdaHandler } from './lambda-server.js';
import { type SeedOptions, seedSamples } from './seed.js';

const TEMPLATE = fileURLToPath(new URL('../template.yaml', import.meta.url));

/** The function's name: the template's logical ID, as `sam local start-lambda` serves it. */
export const FUNCTION_NAME = 'PreviewFunction';

/** The bucket the local tools create and seed (source and destination). */
export const DEMO_BUCKET = 'preview-lambda-demo';

/** The idempotency table the local tools create. */
export const IDEMPOTENCY_TABLE = 'preview-idempotency';

/** Options of {@link provisionLocalAws}. */
export interface ProvisionOptions {
  /** Buckets to create; each gets the sample originals. */
  readonly buckets: readonly string[];
  /** Idempotency table to create. */
  readonly table: string;
  /** Upload the sample originals. Default true. */
  readonly seed?: boolean;
  /** How the samples are uploaded (e.g. `public-read`, so nginx can serve them anonymously). */
  readonly seedOptions?: SeedOptions;
}

/** Creates the buckets (seeded with the sample originals) and the idempotency table. */
export async function provisionLocalAws(emulators: Emulators, options: ProvisionOptions): Promise<void> {
  for (const bucket of options.buckets) {
    await emulators.createBucket(bucket);
    if (options.seed ?? true) await seedSamples(emulators.s3Config(), bucket, options.seedOptions);
  }
  await emulators.createIdempotencyTable(options.table);
}

/** The function's timeout and memory size: the `Timeout` and `MemorySize` parameter defaults of `template.yaml`. */
export function readPreviewFunctionSettings(): Promise<FunctionSettings> {
  return readFunctionSettings(TEMPLATE);
}

/**
 * The local Lambda endpoint's `functions`: {@link FUNCTION_NAME} served by `handler`, with the template's
 * memory size and `timeoutSeconds` (default: the template's timeout).
 */
export function previewFunctionDefinitions(
  handler: LambdaHandler,
  settings: FunctionSettings,
  timeoutSeconds: number = settings.timeoutSeconds.value,
): Record<string, LambdaFunctionDefinition> {
  return {
    [FUNCTION_NAME]: { handler, timeoutMs: timeoutSeconds * 1000, memoryMb: settings.memoryMb.value },
  };
}

/** The demo's presets, in the `PRESETS` grammar: the proxy and the function both get exactly these. */
export const DEFAULT_PRESETS = 'small=320,medium=720,large=1440';

/** The demo's originals prefix and preview root (the defaults of both deployables). */
export const DEMO_LAYOUT = Object.freeze({ sourcePrefix: 'photo', previewRoot: 'prew' });

/** Options of {@link functionEnvironment}. */
export interface FunctionEnvironmentOptions {
  readonly emulators: Emulators;
  readonly buckets: readonly string[];
  readonly table: string;
  /** Memory size reported to the handler. */
  readonly memoryMb: number;
  /** The function's `PRESETS`. Default {@link DEFAULT_PRESETS}. */
  readonly presets?: string;
}

/**
 * The environment the function runs with, as the Lambda service and the SAM template would set it, with
 * the emulators' endpoints and credentials.
 */
export function functionEnvironment(options: FunctionEnvironmentOptions): Record<string, string> {
  const buckets = options.buckets.join(',');
  return {
    ...options.emulators.env,
    AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memoryMb),
    SOURCE_BUCKETS: buckets,
    DESTINATION_BUCKETS: buckets,
    IDEMPOTENCY_TABLE_NAME: options.table,
    SOURCE_PREFIX: DEMO_LAYOUT.sourcePrefix,
    PREVIEW_ROOT: DEMO_LAYOUT.previewRoot,
    PRESETS: options.presets ?? DEFAULT_PRESETS,
  };
}

/**
 * The handler's variables the local stack sets itself: where it reads, writes and records, and the layout
 * it shares with the proxy.
 */
const STACK_VARIABLES: ReadonlySet<string> = new Set<keyof typeof HandlerEnvironment.shape>([
  'SOURCE_BUCKETS',
  'DESTINATION_BUCKETS',
  'IDEMPOTENCY_TABLE_NAME',
  'S3_FORCE_PATH_STYLE',
  'SOURCE_PREFIX',
  'PREVIEW_ROOT',
  'PRESETS',
  'PRESETS_FILE',
]);

/**
 * The handler's tunables found in `env` (e.g. `MAX_WIDTH`, `JPEG_QUALITY`, `LOG_LEVEL` from the shell): only
 * those, never the buckets, table, emulator addressing or layout ({@link STACK_VARIABLES}), so that a
 * value exported in the shell cannot override the stack's own, nor make the function and the proxy
 * disagree on presets.
 */
export function handlerVariables(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of Object.keys(HandlerEnvironment.shape)) {
    if (STACK_VARIABLES.has(name)) continue;
    const value = env[name];
    if (value !== undefined && value !== '') picked[name] = value;
  }
  return picked;
}

/** Options of {@link createCountedPipeline}. */
export interface CountedPipelineOptions {
  /** The handler's configuration. */
  readonly config: HandlerConfig;
  /** The logger of the handler and of idempotency. */
  readonly logger: Logger;
  /** The storage's client; a PutObject counter is added to its middleware stack. */
  readonly s3: S3Client;
  /** The idempotency table's client. */
  readonly dynamodb: DynamoDBClient;
  /** Resize implementation behind the counter. Default: the real `resizeImage`. */
  readonly resize?: ResizeFunction;
  /** Idempotency table. Default: `config.idempotencyTableName`. */
  readonly tableName?: string;
}

/** A handler pipeline with counters on the two operations that must happen once per preview. */
export interface CountedPipeline {
  readonly handler: PreviewHandler;
  /** Calls of the resize function so far. */
  resizes(): number;
  /** PutObject calls so far (previews written). */
  puts(): number;
}

/**
 * The real handler pipeline (`createHandler` with the S3 adapter and Powertools idempotency) over the
 * given clients, counting resizes and the S3 client's PutObject calls.
 */
export function createCountedPipeline(options: CountedPipelineOptions): CountedPipeline {
  const { config, logger, s3, dynamodb } = options;
  const resize = options.resize ?? resizeImage;
  let puts = 0;
  let resizes = 0;
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'PutObjectCommand') puts += 1;
      return next(args);
    },
    { step: 'initialize', name: 'countPuts' },
  );
  const handler = createHandler({
    config,
    logger,
    storage: new S3PreviewStorage({ client: s3 }),
    idempotency: new PreviewIdempotency({
      tableName: options.tableName ?? config.idempotencyTableName,
      expiresAfterSeconds: config.idempotencyTtlSeconds,
      logger,
      client: dynamodb,
    }),
    resize: async (input, resizeOptions) => {
      resizes += 1;
      return resize(input, resizeOptions);
    },
  });
  return { handler, resizes: () => resizes, puts: () => puts };
}

/** The counted pipeline with its own SDK clients. */
export interface CountedPreviewHandler extends CountedPipeline {
  /** Closes the handler's SDK clients. */
  destroy(): void;
}

/** Options of {@link createCountedPreviewHandler}. */
export interface CountedPreviewHandlerOptions {
  readonly emulators: Emulators;
  /** The handler's environment (its variables; endpoints come from `emulators`). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * The real handler pipeline (`createHandler` with the S3 adapter, Powertools idempotency and the sharp
 * resize, tuned as in `handler/src/index.ts`), its clients pointed at the emulators, counting resizes
 * and S3 writes. Unlike importing `handler/src/index.ts`, it does not read or change `process.env`.
 */
export function createCountedPreviewHandler(options: CountedPreviewHandlerOptions): CountedPreviewHandler {
  const config = parseHandlerConfig(options.env);
  tuneSharp();
  const logger = new Logger({ serviceName: config.serviceName, logLevel: config.logLevel });
  const s3 = new S3Client(options.emulators.s3Config());
  const dynamodb = new DynamoDBClient(options.emulators.dynamodbConfig());
  return {
    ...createCountedPipeline({ config, logger, s3, dynamodb }),
    destroy() {
      s3.destroy();
      dynamodb.destroy();
    },
  };
}
