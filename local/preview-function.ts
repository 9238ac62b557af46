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
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { HANDLER_VARIABLES, type HandlerConfig } from '@preview-lambda/handler/config';
import { type ClientOverrides, createClients, createPreviewFunction, type PreviewClients } from '@preview-lambda/handler/create';
import type { FunctionHandler } from '@preview-lambda/handler/entry';
import type { PreviewHandler, ResizeFunction } from '@preview-lambda/handler/handler';
import { resizeImage } from '@preview-lambda/handler/image';
import type { Emulators } from './emulators.js';
import { type FunctionSettings, functionSettings } from './template.js';
import type { LambdaFunctionDefinition, LambdaHandler } from './lambda-server.js';
import { type SeedOptions, seedSamples } from './seed.js';

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
export function previewFunctionSettings(): FunctionSettings {
  return functionSettings();
}

/**
 * The local Lambda endpoint's `functions`: {@link FUNCTION_NAME} served by `handler`, with the template's
 * memory size and `timeoutSeconds` (default: the template's timeout).
 */
export function previewFunctionDefinitions(
  handler: LambdaHandler,
  settings: FunctionSettings,
  timeoutSeconds: number = settings.timeoutSeconds,
): Record<string, LambdaFunctionDefinition> {
  return {
    [FUNCTION_NAME]: { handler, timeoutMs: timeoutSeconds * 1000, memoryMb: settings.memoryMb },
  };
}

/**
 * The demo's presets, in the `PRESETS` grammar: the proxy, the function and nginx all get exactly these
 * (the template's default): three widths, each with AVIF and WebP variants.
 */
export const DEFAULT_PRESETS = 'small=320;avif;webp,medium=720;avif;webp,large=1440;avif;webp';

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
const STACK_VARIABLES: ReadonlySet<string> = new Set([
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
  for (const name of HANDLER_VARIABLES) {
    if (STACK_VARIABLES.has(name)) continue;
    const value = env[name];
    if (value !== undefined && value !== '') picked[name] = value;
  }
  return picked;
}

/** The function as the local tools and tests run it, with counters on what must happen once per preview. */
export interface CountedPreviewHandler {
  /** The Go contract's handler. */
  readonly handler: PreviewHandler;
  /** The entry point around it (`index.handler`): Go payloads, S3 and EventBridge events, Batch Operations. */
  readonly entry: FunctionHandler;
  /** The function's clients (closed by {@link CountedPreviewHandler.destroy}). */
  readonly clients: PreviewClients;
  /** Calls of the resize step so far. */
  resizes(): number;
  /** PutObject calls so far (previews written). */
  puts(): number;
  /** Closes the clients. */
  destroy(): void;
}

/** Options of {@link createCountedPreviewHandler}. */
export interface CountedPreviewHandlerOptions {
  /** The function's configuration. */
  readonly config: HandlerConfig;
  /** Where the clients point (the emulators), as `createClients` takes it. */
  readonly clients: ClientOverrides;
  /** The logger (tests pass one to read its lines). Default: the function's own. */
  readonly logger?: Logger;
  /** Resize step behind the counter (tests slow it down). Default: the real one. */
  readonly resize?: ResizeFunction;
  /**
   * Receives each invocation's EMF metrics blob (one JSON line, what Lambda's log stream would get).
   * Default: standard output, as in Lambda.
   */
  readonly emitMetrics?: (line: string) => void;
  /** X-Ray tracing, as `loadTracer` gives it (tests simulate a Lambda environment to get one). Default: none. */
  readonly tracer?: Tracer;
}

/**
 * The function built by its composition root (`createPreviewFunction`, as production builds it) over clients
 * pointed at the emulators, counting resizes and the S3 client's PutObject calls.
 */
export function createCountedPreviewHandler(options: CountedPreviewHandlerOptions): CountedPreviewHandler {
  const clients = createClients(options.config, options.clients);
  let puts = 0;
  let resizes = 0;
  clients.s3.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'PutObjectCommand') puts += 1;
      return next(args);
    },
    { step: 'initialize', name: 'countPuts' },
  );
  const resize = options.resize ?? resizeImage;
  const { handler, preview } = createPreviewFunction(options.config, clients, {
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.emitMetrics === undefined ? {} : { emitMetrics: options.emitMetrics }),
    ...(options.tracer === undefined ? {} : { tracer: options.tracer }),
    resize: async (input, resizeOptions) => {
      resizes += 1;
      return resize(input, resizeOptions);
    },
  });
  return {
    handler: preview,
    entry: handler,
    clients,
    resizes: () => resizes,
    puts: () => puts,
    destroy() {
      clients.s3.destroy();
      clients.dynamodb.destroy();
    },
  };
}
