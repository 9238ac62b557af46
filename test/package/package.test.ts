/**
 * The deployment package, end to end: `npm run package` writes the directory Lambda would get, and that
 * directory — copied away from the repository, like /var/task — answers real invocations against the
 * local AWS emulators with nothing but its own node_modules, with tracing off (which never reads the
 * X-Ray chunk) and on (which loads it and sends subsegments to a UDP socket standing in for the X-Ray daemon).
 *
 * Slow (npm installs sharp from the registry): runs in ~10-60 s depending on the npm cache.
 */
import { type SpawnOptions, spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { cp, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDLER_SUBSEGMENT } from '@preview-lambda/handler/tracing';
import { type Emulators, startEmulators } from '@preview-lambda/local/emulators';
import { expectedPackages, externalImports, installedPackages, loadedAtStart, moduleGraph, sourceMaps } from './support/inspect.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Lambda architecture and npm CPU of this machine, when the package built for it can run here. */
function hostTarget(): { arch: 'arm64' | 'x86_64'; cpu: 'arm64' | 'x64' } | undefined {
  const report = process.report.getReport() as { header?: { glibcVersionRuntime?: string } };
  if (process.platform !== 'linux' || report.header?.glibcVersionRuntime === undefined) return undefined;
  if (process.arch === 'x64') return { arch: 'x86_64', cpu: 'x64' };
  if (process.arch === 'arm64') return { arch: 'arm64', cpu: 'arm64' };
  return undefined;
}

// The package holds linux glibc binaries; built for another CPU it could not be executed here.
const HOST = hostTarget();
const TARGET = HOST ?? { arch: 'x86_64', cpu: 'x64' };

const BUCKET = 'preview-lambda-demo';
const TABLE = 'preview-idempotency';
const FUNCTION_NAME = 'PreviewFunction';
const BACKEND = process.env.PREVIEW_TEST_BACKEND === 'moto' ? 'moto' : 'node';

/** The handler's configuration, as template.yaml sets it (with the emulators' table and bucket). */
const HANDLER_ENV: Readonly<Record<string, string>> = {
  SOURCE_BUCKETS: BUCKET,
  DESTINATION_BUCKETS: BUCKET,
  SOURCE_PREFIX: 'photo',
  PREVIEW_ROOT: 'prew',
  PRESETS: 'small=320,medium=720,large=1440',
  IDEMPOTENCY_TABLE_NAME: TABLE,
  IDEMPOTENCY_TTL_SECONDS: '86400',
  PREVIEW_ACL: 'public-read',
  CACHE_CONTROL: 'public, max-age=31536000, immutable',
  MAX_WIDTH: '4096',
  MAX_SOURCE_BYTES: '52428800',
  MAX_INPUT_PIXELS: '100000000',
  JPEG_QUALITY: '70',
  ALLOW_ENLARGEMENT: 'false',
  LOG_LEVEL: 'INFO',
  POWERTOOLS_SERVICE_NAME: 'preview-lambda',
  MALLOC_ARENA_MAX: '2',
  NODE_OPTIONS: '--enable-source-maps',
  AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME,
};

/** Marks the driver's output line among the handler's own (JSON) log lines. */
const RESPONSE_MARKER = '@@PREVIEW_RESPONSE@@ ';

/** Calls the packaged handler once per process, like a cold Lambda. */
const DRIVER = `
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';

const event = JSON.parse(process.argv[2]);
const { handler } = await import('./index.mjs');
const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME;
const deadline = Date.now() + 30_000;
const context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:' + functionName,
  memoryLimitInMB: '1536',
  awsRequestId: randomUUID(),
  logGroupName: '/aws/lambda/' + functionName,
  logStreamName: 'package-test',
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  done() {},
  fail() {},
  succeed() {},
};
const response = await handler(event, context);
const sharpPath = createRequire(import.meta.url).resolve('sharp');
// The SDK clients' keep-alive sockets would hold the process open; with tracing on, the X-Ray SDK's UDP
// sends (each on a temporary socket) get a moment to leave first.
const grace = process.env.POWERTOOLS_TRACE_ENABLED === 'true' ? 300 : 0;
process.stdout.write(${JSON.stringify(RESPONSE_MARKER)} + JSON.stringify({ response, sharpPath }) + '\\n', () =>
  setTimeout(() => process.exit(0), grace),
);
`;

/** The response shape of the Go Lambda (plus `code` on failures). */
interface PreviewResponse {
  status: boolean;
  key: string;
  content_type: string;
  data: string;
  error: string;
  code?: string;
}

interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function run(command: string, args: readonly string[], options: SpawnOptions): Promise<ProcessResult> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('close', resolvePromise);
  });
  return { code, stdout, stderr };
}

/** The variables the Lambda service sets under active tracing (as test/handler/tracing.test.ts simulates them). */
function tracingEnv(daemonPort: number): Record<string, string> {
  return {
    POWERTOOLS_TRACE_ENABLED: 'true',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    LAMBDA_TASK_ROOT: '/var/task',
    _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemonPort}`,
  };
}

describe('npm run package', () => {
  let workDir = '';
  let packageDir = '';
  let taskDir = '';
  let emulators: Emulators | undefined;
  let s3: S3Client | undefined;
  let packageRun: ProcessResult = { code: null, stdout: '', stderr: '' };

  beforeAll(async () => {
    // Under the OS temp dir: no node_modules in any parent, so only the package's own can be used.
    workDir = await mkdtemp(join(tmpdir(), 'preview-package-test-'));
    packageDir = join(workDir, 'pkg');
    taskDir = join(workDir, 'task');
    packageRun = await run('npm', ['run', 'package', '--', '--arch', TARGET.arch, '--out', packageDir], {
      cwd: REPO_ROOT,
      env: process.env,
    });
  }, 300_000);

  afterAll(async () => {
    s3?.destroy();
    await emulators?.stop();
    if (workDir !== '') await rm(workDir, { recursive: true, force: true });
  });

  it('succeeds and reports the package size', () => {
    expect(packageRun.code, `${packageRun.stdout}\n${packageRun.stderr}`).toBe(0);
    expect(packageRun.stdout).toMatch(/unzipped size: /);
  });

  it('holds only the bundle (entry, chunks, their source maps), package.json and node_modules', async () => {
    expect((await readdir(packageDir)).sort()).toEqual([
      'chunks',
      'index.mjs',
      'index.mjs.map',
      'node_modules',
      'package.json',
    ]);
    const chunks = await readdir(join(packageDir, 'chunks'));
    const scripts = chunks.filter((name) => name.endsWith('.mjs'));
    expect(scripts.length).toBeGreaterThan(0);
    expect(chunks.sort()).toEqual(scripts.flatMap((name) => [name, `${name}.map`]).sort());
    const handlerManifest = JSON.parse(
      await readFile(join(REPO_ROOT, 'handler', 'package.json'), 'utf8'),
    ) as {
      dependencies: Record<string, string>;
    };
    const manifest: unknown = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({
      type: 'module',
      dependencies: { sharp: handlerManifest.dependencies.sharp },
    });
    expect(Object.keys((manifest as { dependencies: object }).dependencies)).toEqual(['sharp']);
  });

  it('installs sharp for linux-<cpu> glibc and nothing but sharp and its dependencies', async () => {
    const nodeModules = join(packageDir, 'node_modules');
    const installed = await installedPackages(nodeModules);
    expect(installed).toContain(`@img/sharp-linux-${TARGET.cpu}`);
    expect(installed).toContain(`@img/sharp-libvips-linux-${TARGET.cpu}`);
    expect(installed).toEqual(await expectedPackages(nodeModules, TARGET.cpu));
  });

  it('bundles every dependency but sharp (the AWS SDK included)', async () => {
    const graph = await moduleGraph(packageDir);
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    const external = externalImports(graph).filter((specifier) => !builtins.has(specifier));
    expect(external).toEqual(['sharp']);
    // Every chunk is reached from the entry (none is left over from another build).
    const chunks = (await readdir(join(packageDir, 'chunks'))).filter((name) => name.endsWith('.mjs'));
    expect(Object.keys(graph).sort()).toEqual(['index.mjs', ...chunks.map((name) => `chunks/${name}`)].sort());
  });

  it('links a portable source map, without sources, to every file', async () => {
    for (const [file, map] of await sourceMaps(packageDir)) {
      const script = await readFile(join(packageDir, file), 'utf8');
      const name = file.split('/').pop() ?? '';
      expect(script.trimEnd().endsWith(`//# sourceMappingURL=${name}.map`), file).toBe(true);
      expect(map.sourcesContent, file).toBeUndefined();
      // Relative to the repository root, wherever the package was built (lib/bundle.ts: portableSourceMap).
      expect(map.sources.filter((source) => source.startsWith('..') || source.startsWith('/')), file).toEqual([]);
    }
  });

  it('puts the Tracer and the X-Ray SDK in one chunk that only an import() reaches', async () => {
    const maps = await sourceMaps(packageDir);
    const withXRay = [...maps]
      .filter(([, map]) => map.sources.some((source) => source.startsWith('node_modules/aws-xray-sdk-core/')))
      .map(([file]) => file);
    expect(withXRay).toHaveLength(1);
    const [tracerChunk = ''] = withXRay;
    expect(tracerChunk).toMatch(/^chunks\//);
    expect(maps.get(tracerChunk)?.sources.some((source) => source.startsWith('node_modules/@aws-lambda-powertools/tracer/'))).toBe(true);
    const graph = await moduleGraph(packageDir);
    const atStart = loadedAtStart(graph);
    expect(atStart.has(tracerChunk)).toBe(false);
    const dynamicImporters = [...atStart].filter((file) =>
      graph[file]?.imports.some((entry) => entry.kind === 'dynamic-import' && entry.path === tracerChunk),
    );
    expect(dynamicImporters).toEqual(['index.mjs']);
  });

  // The package holds linux glibc binaries: it can only be run on a linux glibc machine with that CPU.
  describe('copied like /var/task and invoked', () => {
    const invoke = async (event: Record<string, unknown>, env: Record<string, string> = {}): Promise<PreviewResponse> => {
      if (emulators === undefined) throw new Error('emulators are not running');
      const result = await run(process.execPath, ['driver.mjs', JSON.stringify(event)], {
        cwd: taskDir,
        env: { PATH: process.env.PATH ?? '', ...emulators.env, ...HANDLER_ENV, ...env },
        timeout: 60_000,
      });
      const line = result.stdout.split('\n').find((text) => text.startsWith(RESPONSE_MARKER));
      if (result.code !== 0 || line === undefined) {
        throw new Error(
          `driver exited with ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
        );
      }
      const { response, sharpPath } = JSON.parse(line.slice(RESPONSE_MARKER.length)) as {
        response: PreviewResponse;
        sharpPath: string;
      };
      // sharp came from the package itself, not from the repository.
      expect(sharpPath.startsWith(join(taskDir, 'node_modules', 'sharp'))).toBe(true);
      return response;
    };

    const event = (srcKey: string): Record<string, unknown> => ({
      src_key: srcKey,
      src_bucket: BUCKET,
      dst_bucket: BUCKET,
      root_folder: 'prew',
      preset_name: 'large',
      rewrite_part: 'photo',
      width: 1440,
    });

    beforeAll(async () => {
      if (HOST === undefined) return;
      expect(packageRun.code, packageRun.stderr).toBe(0);
      await cp(packageDir, taskDir, { recursive: true, verbatimSymlinks: true });
      await writeFile(join(taskDir, 'driver.mjs'), DRIVER);

      emulators = await startEmulators({ backend: BACKEND });
      await emulators.createBucket(BUCKET);
      await emulators.createIdempotencyTable(TABLE);
      s3 = new S3Client(emulators.s3Config());
      const original = await sharp({
        create: { width: 2400, height: 1600, channels: 3, background: { r: 40, g: 120, b: 200 } },
      })
        .jpeg({ quality: 90 })
        .toBuffer();
      await s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: 'photo/samples/landscape.jpg',
          Body: original,
          ContentType: 'image/jpeg',
        }),
      );
    }, 60_000);

    it.skipIf(HOST === undefined)(
      'resizes a JPEG and returns exactly the stored preview',
      async () => {
        const response = await invoke(event('photo/samples/landscape.jpg'));
        expect(response).toMatchObject({
          status: true,
          key: 'prew/large/samples/landscape.jpg',
          content_type: 'image/jpeg',
          error: '',
        });
        const data = Buffer.from(response.data, 'base64');
        const stored = await s3?.send(new GetObjectCommand({ Bucket: BUCKET, Key: response.key }));
        const storedBytes = Buffer.from((await stored?.Body?.transformToByteArray()) ?? []);
        expect(storedBytes.length).toBeGreaterThan(0);
        expect(data.equals(storedBytes)).toBe(true);
        const metadata = await sharp(data).metadata();
        expect([metadata.format, metadata.width, metadata.height]).toEqual(['jpeg', 1440, 960]);
      },
      60_000,
    );

    it.skipIf(HOST === undefined)(
      'answers SOURCE_NOT_FOUND for a missing original',
      async () => {
        const response = await invoke(event('photo/samples/does-not-exist.jpg'));
        expect(response).toMatchObject({ status: false, code: 'SOURCE_NOT_FOUND', key: '', data: '' });
        expect(response.error).not.toBe('');
      },
      60_000,
    );

    it.skipIf(HOST === undefined)(
      'runs with tracing off without ever reading the X-Ray chunk',
      async () => {
        const tracerChunk = [...(await sourceMaps(taskDir))].find(([, map]) =>
          map.sources.some((source) => source.startsWith('node_modules/aws-xray-sdk-core/')),
        )?.[0];
        expect(tracerChunk).toMatch(/^chunks\//);
        const path = join(taskDir, tracerChunk ?? '');
        await rename(path, `${path}.away`);
        try {
          const response = await invoke(event('photo/samples/does-not-exist.jpg'));
          expect(response).toMatchObject({ status: false, code: 'SOURCE_NOT_FOUND' });
        } finally {
          await rename(`${path}.away`, path);
        }
      },
      60_000,
    );

    describe('with tracing on (POWERTOOLS_TRACE_ENABLED in a simulated Lambda)', () => {
      let daemon: Socket | undefined;
      const documents: { name: string; annotations?: Record<string, unknown> }[] = [];

      beforeAll(async () => {
        daemon = createSocket('udp4');
        // The X-Ray daemon protocol: a JSON header line, then the segment document.
        daemon.on('message', (message) => {
          const [, body = '{}'] = message.toString('utf8').split('\n');
          documents.push(JSON.parse(body) as (typeof documents)[number]);
        });
        await new Promise<void>((resolvePromise) => daemon?.bind(0, '127.0.0.1', resolvePromise));
      });

      afterAll(() => daemon?.close());

      it.skipIf(HOST === undefined)(
        'loads the tracer chunk and sends the invocation subsegment',
        async () => {
          const response = await invoke(event('photo/samples/landscape.jpg'), tracingEnv(daemon?.address().port ?? 0));
          expect(response).toMatchObject({ status: true, key: 'prew/large/samples/landscape.jpg' });
          // Datagrams sent just before the driver exited are still being delivered.
          await new Promise((resolvePromise) => setTimeout(resolvePromise, 200));
          const invocation = documents.find((document) => document.name === HANDLER_SUBSEGMENT);
          expect(invocation?.annotations).toEqual({ ColdStart: true, Service: 'preview-lambda' });
        },
        60_000,
      );
    });
  });
});
