/**
 * The deployment package, end to end: `npm run package` writes the directory Lambda would get, and that
 * directory — copied away from the repository, like /var/task — answers real invocations against the
 * local AWS emulators with nothing but its own node_modules.
 *
 * Slow (npm installs sharp from the registry): runs in ~10-60 s depending on the npm cache.
 */
import { type SpawnOptions, spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { build } from 'esbuild';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '@preview-lambda/local/emulators';

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
process.stdout.write(${JSON.stringify(RESPONSE_MARKER)} + JSON.stringify({ response, sharpPath }) + '\\n', () =>
  process.exit(0),
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

/** Every installed package under `node_modules`, nested ones as `parent/node_modules/child`. */
async function installedPackages(nodeModules: string, prefix = ''): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(nodeModules, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || !entry.isDirectory()) continue;
    const scoped = entry.name.startsWith('@');
    const packages = scoped
      ? (await readdir(join(nodeModules, entry.name))).map((name) => `${entry.name}/${name}`)
      : [entry.name];
    for (const name of packages) {
      names.push(`${prefix}${name}`);
      const nested = join(nodeModules, name, 'node_modules');
      const inner = await installedPackages(nested, `${prefix}${name}/node_modules/`).catch(() => []);
      names.push(...inner);
    }
  }
  return names.sort();
}

/** Names of sharp plus the transitive runtime dependencies it needs on linux-<cpu> with glibc. */
async function expectedPackages(nodeModules: string, cpu: string): Promise<string[]> {
  const wanted = new Set<string>();
  const queue = ['sharp', `@img/sharp-linux-${cpu}`, `@img/sharp-libvips-linux-${cpu}`];
  while (queue.length > 0) {
    const name = queue.shift() ?? '';
    if (wanted.has(name)) continue;
    wanted.add(name);
    const manifest = JSON.parse(await readFile(join(nodeModules, name, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    queue.push(...Object.keys(manifest.dependencies ?? {}));
  }
  return [...wanted].sort();
}

/**
 * Bare module specifiers the bundle loads through `import` statements or `import()`, found by letting
 * esbuild parse it (so text inside string literals does not count).
 */
async function externalImports(bundleFile: string): Promise<string[]> {
  const result = await build({
    entryPoints: [bundleFile],
    bundle: true,
    write: false,
    metafile: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
  });
  const paths = Object.values(result.metafile.inputs).flatMap((input) =>
    input.imports.filter((entry) => entry.external).map((entry) => entry.path),
  );
  return [...new Set(paths)].sort();
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

  it('holds only the bundle, its source map, package.json and node_modules', async () => {
    expect((await readdir(packageDir)).sort()).toEqual([
      'index.mjs',
      'index.mjs.map',
      'node_modules',
      'package.json',
    ]);
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
    const bundleFile = join(packageDir, 'index.mjs');
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    const external = (await externalImports(bundleFile)).filter((specifier) => !builtins.has(specifier));
    expect(external).toEqual(['sharp']);
    const bundle = await readFile(bundleFile, 'utf8');
    expect(bundle).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    const map = JSON.parse(await readFile(join(packageDir, 'index.mjs.map'), 'utf8')) as {
      sourcesContent?: unknown;
    };
    expect(map.sourcesContent).toBeUndefined();
  });

  // The package holds linux glibc binaries: it can only be run on a linux glibc machine with that CPU.
  describe('copied like /var/task and invoked', () => {
    const invoke = async (event: Record<string, unknown>): Promise<PreviewResponse> => {
      if (emulators === undefined) throw new Error('emulators are not running');
      const result = await run(process.execPath, ['driver.mjs', JSON.stringify(event)], {
        cwd: taskDir,
        env: { PATH: process.env.PATH ?? '', ...emulators.env, ...HANDLER_ENV },
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
  });
});
