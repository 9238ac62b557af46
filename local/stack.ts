/**
 * The whole preview stack on loopback, in one process plus nginx: S3 and DynamoDB emulators seeded with
 * the sample originals, the local Lambda Invoke API endpoint serving the real handler pipeline (with
 * resize and write counters), the preview proxy (`createProxyServer`, in-process) and nginx in front.
 *
 * Used by `npm start` (`start.ts`), the end-to-end tests (`test/e2e`) and `npm run bench:proxy`.
 *
 * @module
 */
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { formatPresetList, type PreviewLayout } from '@preview-lambda/contract';
import { PreviewInvoker } from '@preview-lambda/invoker';
import {
  createProxyLogger,
  createProxyServer,
  METRICS_PATH,
  parseProxyConfig,
  ProxyMetrics,
  S3PreviewReader,
} from '@preview-lambda/proxy';
import {
  EMULATOR_CREDENTIALS,
  EMULATOR_REGION,
  type EmulatorBackend,
  type Emulators,
  freePort,
  startEmulators,
} from './emulators.js';
import { parseHandlerConfig } from '@preview-lambda/handler/config';
import { type LambdaServer, startLambdaServer } from './lambda-server.js';
import { NginxModuleNotFoundError, NginxNotFoundError } from './errors.js';
import { assertPortFree, checkStaleNginx, findNginx, type RunningNginx, startNginx } from './nginx.js';
import { nginxModulePaths } from './nginx-modules.js';
import { writeGallery } from './gallery.js';
import { SAMPLE_OBJECTS } from './seed.js';
import {
  type CountedPreviewHandler,
  createCountedPreviewHandler,
  DEFAULT_PRESETS,
  DEMO_BUCKET,
  FUNCTION_NAME,
  functionEnvironment,
  IDEMPOTENCY_TABLE,
  previewFunctionDefinitions,
  provisionLocalAws,
  previewFunctionSettings,
} from './preview-function.js';

/**
 * The nginx to run and the modules it must load, or why none runs: `auto` goes without nginx when it or
 * a module the template needs is missing, `required` throws.
 */
function chooseNginx(
  mode: NginxMode,
  explicitPath: string | undefined,
): { path: string; modules: string[] } | { skipped: string } {
  if (mode === 'off') return { skipped: 'disabled' };
  const path = explicitPath ?? findNginx();
  if (path === undefined) {
    if (mode === 'required') throw new NginxNotFoundError();
    return { skipped: new NginxNotFoundError().message };
  }
  try {
    return { path, modules: nginxModulePaths(path) };
  } catch (error) {
    if (mode === 'required' || !(error instanceof NginxModuleNotFoundError)) throw error;
    return { skipped: error.message };
  }
}

/** Default nginx prefix of the demo (gitignored). */
export const DEFAULT_NGINX_PREFIX = fileURLToPath(new URL('../.local/nginx', import.meta.url));

/** Whether to put nginx in front. */
export type NginxMode =
  /** When it is installed; otherwise the proxy answers previews directly. */
  | 'auto'
  /** Fail when it is not installed. */
  | 'required'
  /** Never. */
  | 'off';

/** Options of {@link startStack}. */
export interface StackOptions {
  /** Emulator backend. Default `node`. */
  readonly backend?: EmulatorBackend;
  /** Bucket of originals and previews. Default `preview-lambda-demo`. */
  readonly bucket?: string;
  /** `PRESETS` of the proxy and of the function alike. Default {@link DEFAULT_PRESETS}. */
  readonly presets?: string;
  /** Address every server binds. Default `127.0.0.1`. */
  readonly host?: string;
  /** Ports; `0` or absent picks a free one. */
  readonly ports?: { readonly nginx?: number; readonly proxy?: number; readonly lambda?: number };
  /** Default `auto`. */
  readonly nginx?: NginxMode;
  /** nginx's prefix directory. Default `.local/nginx`. */
  readonly nginxPrefixDir?: string;
  /** nginx executable. Default: found on PATH or in /usr/sbin. */
  readonly nginxPath?: string;
  /** Upload the sample originals. Default true. */
  readonly seed?: boolean;
  /** Extra or overriding proxy variables (`REQUEST_TIMEOUT_MS`, `MAX_IN_FLIGHT`, `LOG_LEVEL`, ...). */
  readonly proxyEnv?: Readonly<Record<string, string>>;
  /** Extra or overriding handler variables (`LOG_LEVEL` defaults to `WARN`). */
  readonly handlerEnv?: Readonly<Record<string, string>>;
  /** The local Lambda endpoint's concurrency limit. Default: none. */
  readonly lambdaMaxConcurrency?: number;
  /** Receives every proxy log line, parsed (access lines have `msg: "request"`). */
  readonly onProxyLog?: (line: Record<string, unknown>) => void;
  /** Receives the Lambda endpoint's line per invocation. */
  readonly onLambdaLog?: (line: string) => void;
  /** Receives each invocation's EMF metrics blob (one JSON line, as Lambda's log stream gets it). Default: dropped. */
  readonly onLambdaMetrics?: (line: string) => void;
}

/** The preview proxy as the stack runs it. */
export interface StackProxy {
  readonly url: string;
  readonly port: number;
  /** Its Prometheus metrics (`GET /metrics` on its port). */
  readonly metricsUrl: string;
}

/** A running stack. */
export interface Stack {
  readonly backend: EmulatorBackend;
  readonly emulators: Emulators;
  readonly bucket: string;
  readonly table: string;
  readonly functionName: string;
  readonly presets: Readonly<Record<string, number>>;
  /** The layout the proxy and the function share: prefix, root, presets with their formats. */
  readonly layout: PreviewLayout;
  readonly previewRoot: string;
  readonly sourcePrefix: string;
  readonly lambda: LambdaServer;
  readonly proxy: StackProxy;
  /** nginx, when it runs. */
  readonly nginx: RunningNginx | undefined;
  /** Why nginx does not run, when it does not. */
  readonly nginxSkipped: string | undefined;
  /** Where clients go: nginx, or the proxy without nginx. */
  readonly url: string;
  /** The gallery of the seeded samples (`local/gallery.ts`), when nginx runs and the samples were seeded. */
  readonly galleryUrl: string | undefined;
  /** Counters of the handler and the proxy. */
  readonly counters: {
    /** Resizes the handler ran. */
    resizes(): number;
    /** Previews the handler wrote. */
    puts(): number;
    /** Invocations the Lambda endpoint ran (in-progress retries included). */
    invocations(): number;
    /** Requests that reached the proxy. */
    proxyRequests(): number;
  };
  /** Uploads an original at `<sourcePrefix>/<path>` (public-read). */
  putOriginal(path: string, bytes: Uint8Array, contentType?: string): Promise<void>;
  /** Reads an object of the bucket whole, or `undefined` when missing. */
  getObject(key: string): Promise<Buffer | undefined>;
  /** Stops only the proxy (nginx stays), e.g. to see what nginx answers when the proxy is down. */
  stopProxy(): Promise<void>;
  /** Stops everything it started, nginx first. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the stack. Fixed ports are checked first, so a taken port fails before anything starts; on any
 * failure everything started so far is stopped again.
 *
 * @throws {PortInUseError} a fixed port is taken.
 * @throws {NginxNotFoundError} `nginx: 'required'` and nginx is not installed.
 * @throws {NginxModuleNotFoundError} `nginx: 'required'` and a module the template needs is missing.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const host = options.host ?? '127.0.0.1';
  const backend = options.backend ?? 'node';
  const bucket = options.bucket ?? DEMO_BUCKET;
  const ports = options.ports ?? {};
  const presets = options.presets ?? DEFAULT_PRESETS;
  const nginxMode = options.nginx ?? 'auto';
  const chosen = chooseNginx(nginxMode, options.nginxPath);
  const nginxPath = 'path' in chosen ? chosen.path : undefined;
  const nginxPrefixDir = options.nginxPrefixDir ?? DEFAULT_NGINX_PREFIX;
  // A leftover nginx of an earlier run holds the port: say so rather than "port in use".
  if (nginxPath !== undefined) await checkStaleNginx(nginxPrefixDir);
  await assertPortFree('nginx', host, nginxPath === undefined ? 0 : (ports.nginx ?? 0), 'choose another with --port');
  await assertPortFree('proxy', host, ports.proxy ?? 0, 'choose another with --proxy-port');
  await assertPortFree('Lambda endpoint', host, ports.lambda ?? 0, 'choose another with --lambda-port');

  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanUp = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch {
        // Keep stopping the rest.
      }
    }
  };

  try {
    const emulators = await startEmulators({ backend });
    cleanups.push(() => emulators.stop());
    await provisionLocalAws(emulators, {
      buckets: [bucket],
      table: IDEMPOTENCY_TABLE,
      seed: options.seed,
      seedOptions: { acl: 'public-read' },
    });
    const s3 = new S3Client(emulators.s3Config());
    cleanups.push(() => s3.destroy());

    const settings = previewFunctionSettings();
    const counted: CountedPreviewHandler = createCountedPreviewHandler({
      clients: emulators.clientOverrides(),
      config: parseHandlerConfig({
        ...functionEnvironment({
          emulators,
          buckets: [bucket],
          table: IDEMPOTENCY_TABLE,
          memoryMb: settings.memoryMb,
          presets,
        }),
        LOG_LEVEL: 'WARN',
        ...options.handlerEnv,
      }),
      emitMetrics: options.onLambdaMetrics ?? (() => undefined),
    });
    cleanups.push(() => counted.destroy());
    const lambda = await startLambdaServer({
      functions: previewFunctionDefinitions(counted.entry, settings),
      host,
      port: ports.lambda ?? 0,
      ...(options.lambdaMaxConcurrency === undefined ? {} : { maxConcurrency: options.lambdaMaxConcurrency }),
      log: options.onLambdaLog ?? (() => undefined),
    });
    cleanups.push(() => lambda.stop());

    const config = parseProxyConfig({
      PORT: String(ports.proxy ?? 0),
      HOST: host,
      PREVIEW_FUNCTION_NAME: FUNCTION_NAME,
      SOURCE_BUCKET: bucket,
      DESTINATION_BUCKET: bucket,
      PRESETS: presets,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ENDPOINT_URL_LAMBDA: lambda.url,
      AWS_ENDPOINT_URL_S3: emulators.s3Endpoint,
      LOG_LEVEL: options.onProxyLog === undefined ? 'silent' : 'info',
      ...options.proxyEnv,
    });
    // ONE invoker, as in proxy/src/main.ts: its single flight coalesces identical concurrent requests.
    const proxyMetrics = new ProxyMetrics();
    const invoker = new PreviewInvoker({
      functionName: config.functionName,
      timeoutMs: config.invokeTimeoutMs,
      observer: proxyMetrics.invokerObserver,
      clientConfig: {
        endpoint: lambda.url,
        region: EMULATOR_REGION,
        credentials: { ...EMULATOR_CREDENTIALS },
      },
    });
    const proxyS3 = new S3Client(emulators.s3Config());
    const onProxyLog = options.onProxyLog;
    const logger = createProxyLogger({
      level: config.logLevel,
      destination: { write: (line: string) => onProxyLog?.(JSON.parse(line) as Record<string, unknown>) },
    });
    const proxyServer = createProxyServer({
      config,
      invoker,
      storage: new S3PreviewReader({ client: proxyS3 }),
      logger,
      metrics: proxyMetrics,
    });
    let proxyRequests = 0;
    proxyServer.server.on('request', () => {
      proxyRequests += 1;
    });
    cleanups.push(() => {
      invoker.destroy();
      proxyS3.destroy();
    });
    const address = await proxyServer.listen();
    cleanups.push(async () => {
      await proxyServer.close();
    });

    let nginx: RunningNginx | undefined;
    let nginxSkipped: string | undefined;
    if (!('path' in chosen)) {
      nginxSkipped = chosen.skipped;
    } else {
      if (options.seed ?? true) {
        // Every sample that is an image, in every preset and format, at `/` (the template's SERVER_INCLUDES).
        const prefix = `${config.layout.sourcePrefix}/`;
        await writeGallery(nginxPrefixDir, {
          previewRoot: config.layout.previewRoot,
          sourcePrefix: config.layout.sourcePrefix,
          presets: config.layout.presets,
          samples: SAMPLE_OBJECTS.flatMap((sample) =>
            sample.title === undefined ? [] : [{ path: sample.key.slice(prefix.length), title: sample.title }],
          ),
        });
      }
      const running = await startNginx({
        prefixDir: nginxPrefixDir,
        nginxPath: chosen.path,
        main: { loadModules: chosen.modules },
        config: {
          listen: { host, port: ports.nginx || (await freePort()) },
          proxy: { host, port: address.port },
          s3: { style: 'path', endpoint: emulators.s3Endpoint },
          originalsBucket: config.sourceBucket,
          previewsBucket: config.destinationBucket,
          previewRoot: config.layout.previewRoot,
          sourcePrefix: config.layout.sourcePrefix,
          proxyRequestTimeoutMs: config.requestTimeoutMs,
          proxyKeepAliveTimeoutMs: config.keepAliveTimeoutMs,
          // The proxy's catalogue and order: nginx asks S3 for the variant the proxy would generate.
          presets: formatPresetList(config.layout.presets),
          formatOrder: [...config.formatOrder],
        },
      });
      nginx = running;
      cleanups.push(() => running.stop());
    }

    let stopped: Promise<void> | undefined;
    return {
      backend,
      emulators,
      bucket,
      table: IDEMPOTENCY_TABLE,
      functionName: FUNCTION_NAME,
      presets: Object.freeze(
        Object.fromEntries([...config.layout.presets].map(([name, preset]) => [name, preset.width])),
      ),
      layout: config.layout,
      previewRoot: config.layout.previewRoot,
      sourcePrefix: config.layout.sourcePrefix,
      lambda,
      proxy: { url: address.url, port: address.port, metricsUrl: `${address.url}${METRICS_PATH}` },
      nginx,
      nginxSkipped,
      url: nginx?.url ?? address.url,
      galleryUrl: nginx !== undefined && (options.seed ?? true) ? `${nginx.url}/` : undefined,
      counters: {
        resizes: () => counted.resizes(),
        puts: () => counted.puts(),
        invocations: () => lambda.invocations,
        proxyRequests: () => proxyRequests,
      },
      async putOriginal(path, bytes, contentType = 'image/jpeg') {
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: `${config.layout.sourcePrefix}/${path}`,
            Body: bytes,
            ContentType: contentType,
            ACL: 'public-read',
          }),
        );
      },
      async getObject(key) {
        try {
          const output = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
          return Buffer.from(await output.Body!.transformToByteArray());
        } catch (error) {
          if ((error as Error).name === 'NoSuchKey') return undefined;
          throw error;
        }
      },
      async stopProxy() {
        await proxyServer.close();
      },
      stop() {
        stopped ??= cleanUp();
        return stopped;
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
