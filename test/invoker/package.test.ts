/**
 * The published shape of `@preview-lambda/invoker`: builds it, packs it, installs the tarball into a
 * fresh project outside the repository, and uses it from ESM, CommonJS and a type-checked TypeScript
 * consumer, against the fake Lambda.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, FakeLambda } from './fake-lambda.js';
import { GO_EXAMPLE_REQUEST } from '../support/requests.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const PACKAGE = '@preview-lambda/invoker';
const PREVIEW = Buffer.from('not really a jpeg, but bytes all the same');

/** The environment without the `npm_*` variables of an enclosing npm script, which would steer npm. */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));

const REQUEST = JSON.stringify(GO_EXAMPLE_REQUEST);

interface PackedFile {
  path: string;
}

let work: string;
let consumer: string;
let packedFiles: string[];
let fake: FakeLambda;

async function npm(args: string[], cwd: string): Promise<string> {
  const { stdout } = await run('npm', args, { cwd, env: ENV, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** Runs `node` in the consumer project with the fake's endpoint in `FAKE_ENDPOINT`. */
async function node(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, args, {
    cwd: consumer,
    env: { ...ENV, FAKE_ENDPOINT: fake.endpoint, NODE_NO_WARNINGS: '1' },
  });
  return stdout.trim();
}

beforeAll(async () => {
  fake = await FakeLambda.start();
  await npm(['run', 'build', '-w', 'invoker'], ROOT);
  work = await mkdtemp(join(tmpdir(), 'preview-invoker-package-'));
  const packed = JSON.parse(await npm(['pack', '-w', 'invoker', '--pack-destination', work, '--json'], ROOT)) as {
    filename: string;
    files: PackedFile[];
  }[];
  const [tarball] = packed;
  if (tarball === undefined) throw new Error('npm pack produced no tarball');
  packedFiles = tarball.files.map((file) => file.path);

  consumer = join(work, 'consumer');
  await mkdir(consumer);
  await writeFile(
    join(consumer, 'package.json'),
    `${JSON.stringify({ name: 'consumer', version: '0.0.0', private: true }, null, 2)}\n`,
  );
  await npm(
    [
      'install',
      join(work, tarball.filename),
      '@types/node@22.20.5',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--loglevel=error',
    ],
    consumer,
  );
}, 300_000);

afterAll(async () => {
  await fake?.close();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('Package: @preview-lambda/invoker', () => {
  it('packs only dist, the README, the changelog and the licence, with no TypeScript sources', () => {
    expect(packedFiles).toContain('package.json');
    expect(packedFiles).toContain('README.md');
    expect(packedFiles).toContain('LICENSE');
    expect(packedFiles).toContain('CHANGELOG.md');
    expect(packedFiles).toEqual(
      expect.arrayContaining(['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts']),
    );
    for (const path of packedFiles) {
      expect(path).toMatch(/^(package\.json|README\.md|CHANGELOG\.md|LICENSE|dist\/.+)$/);
      expect(path).not.toContain('node_modules');
      expect(path).not.toMatch(/^src\//);
      expect(path).not.toMatch(/(?<!\.d)\.[cm]?ts$/);
    }
  });

  it('depends on the AWS SDK and zod only, and bundles the private contract', async () => {
    const installed = join(consumer, 'node_modules', PACKAGE);
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies ?? {}).sort()).toEqual(['@aws-sdk/client-lambda', 'zod']);
    expect(existsSync(join(consumer, 'node_modules', '@preview-lambda', 'contract'))).toBe(false);

    const dist = join(installed, 'dist');
    for (const file of await readdir(dist)) {
      expect(await readFile(join(dist, file), 'utf8'), file).not.toContain('@preview-lambda/contract');
    }
  });

  it('works from import (ESM)', async () => {
    fake.enqueue(answer({ status: true, key: 'k', content_type: 'image/jpeg', data: PREVIEW.toString('base64'), error: '' }));
    const script = `
      import { InvalidRequestError, InvokerError, PreviewInvoker } from '${PACKAGE}';
      const invoker = new PreviewInvoker({
        functionName: 'preview-function',
        clientConfig: { endpoint: process.env.FAKE_ENDPOINT, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } },
      });
      const bad = await invoker.invoke({ width: 0 }).catch((error) => error);
      const result = await invoker.invoke(${REQUEST});
      invoker.destroy();
      console.log(JSON.stringify({
        invalid: bad instanceof InvalidRequestError && bad instanceof InvokerError, code: bad.code,
        kind: result.kind, bytes: result.bytes.toString('base64'),
      }));`;

    const output = JSON.parse(await node(['--input-type=module', '-e', script]));

    expect(output).toEqual({ invalid: true, code: 'INVALID_REQUEST', kind: 'preview', bytes: PREVIEW.toString('base64') });
  });

  it('works from require (CommonJS)', async () => {
    fake.enqueue(answer({ status: false, key: '', content_type: '', data: '', error: 'nope', code: 'NOT_AN_IMAGE' }));
    const script = `
      const { ConfigurationError, PreviewInvoker } = require('${PACKAGE}');
      let configuration;
      try { new PreviewInvoker({ functionName: 'f', client: {}, clientConfig: {} }); } catch (error) { configuration = error; }
      const invoker = new PreviewInvoker({
        functionName: 'preview-function',
        clientConfig: { endpoint: process.env.FAKE_ENDPOINT, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } },
      });
      invoker.invoke(${REQUEST}).then((result) => {
        invoker.destroy();
        console.log(JSON.stringify({
          configuration: configuration instanceof ConfigurationError, kind: result.kind, code: result.code,
        }));
      });`;

    const output = JSON.parse(await node(['-e', script]));

    expect(output).toEqual({ configuration: true, kind: 'failed', code: 'NOT_AN_IMAGE' });
  });

  it('type-checks ESM and CommonJS TypeScript consumers that switch exhaustively on the result', async () => {
    const consumerCode = (flavour: string) => `
      import type { LambdaClient } from '@aws-sdk/client-lambda';
      import * as invokerModule from '${PACKAGE}';
      import {
        DeadlineExceededError,
        InvokerError,
        PreviewInvoker,
        type PreviewResult,
        type ResizeErrorCode,
        type ResizeRequest,
        type ResizeResponse,
      } from '${PACKAGE}';

      export function describeResult(result: PreviewResult): string {
        switch (result.kind) {
          case 'preview':
            return \`\${result.bytes.byteLength} bytes of \${result.contentType} at \${result.key}\`;
          case 'stored':
            return \`stored at \${result.key}\`;
          case 'failed': {
            const code: ResizeErrorCode = result.code;
            return \`\${code}: \${result.message}\`;
          }
          default: {
            const unreachable: never = result;
            return unreachable;
          }
        }
      }

      export function explain(error: unknown): string {
        if (error instanceof DeadlineExceededError) return \`\${error.elapsedMs} ms, \${error.attempts} attempts\`;
        return error instanceof InvokerError ? error.code : 'unexpected';
      }

      export const request: ResizeRequest = ${REQUEST};
      export const variant: ResizeRequest = { ...request, format: 'avif' };
      // @ts-expect-error: the output formats are a closed list.
      export const gif: ResizeRequest = { ...request, format: 'gif' };
      export const raw = (response: ResizeResponse): boolean => response.status;
      export const invoker = new PreviewInvoker({
        functionName: '${flavour}',
        clientConfig: { region: 'us-east-1', maxAttempts: 5 },
        inProgress: { initialDelayMs: 100, jitter: 1 },
      });
      export const pending: Promise<PreviewResult> = invoker.invoke(request, { signal: AbortSignal.timeout(1000) });

      declare const client: LambdaClient;
      // @ts-expect-error: client and clientConfig are mutually exclusive.
      export const both = new PreviewInvoker({ functionName: 'f', client, clientConfig: {} });
      // @ts-expect-error: the contract's schemas are types here, not runtime exports.
      export const schema = invokerModule.ResizeRequest;
    `;
    await writeFile(join(consumer, 'esm.mts'), consumerCode('esm'));
    await writeFile(join(consumer, 'cjs.cts'), consumerCode('cjs'));
    await writeFile(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          exactOptionalPropertyTypes: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
        },
        files: ['esm.mts', 'cjs.cts'],
      }),
    );

    const result = await run(process.execPath, [TSC, '-p', join(consumer, 'tsconfig.json')], {
      cwd: consumer,
      env: ENV,
    }).catch((error: { stdout?: string; stderr?: string }) => error);

    expect(`${result.stdout ?? ''}${result.stderr ?? ''}`).toBe('');
  });
});
