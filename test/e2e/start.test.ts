/**
 * `npm start` (local/start.ts) as a user runs it: it prints the URLs and writes the state file, serves
 * previews, and SIGTERM stops every process it started (nginx included) and removes the state file. It
 * fails clearly when a port is taken, and without nginx the proxy answers previews itself.
 *
 * It runs `node --import tsx local/start.ts` rather than `npm start`: npm does not pass a SIGTERM sent to
 * its own pid on to the script (a terminal's Ctrl-C reaches the whole process group, so interactive use
 * is fine), and the tsx CLI would be one more process between the test and the one that owns nginx.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StackDescription } from '@preview-lambda/local/stack-description';
import { noteSkip, SKIP_WITHOUT_NGINX } from './support.js';

noteSkip('npm start with nginx');

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let child: ChildProcess | undefined;
let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'preview-start-'));
});

afterEach(async () => {
  // A test that failed half-way: stop it the way a user would, so that it stops its nginx too.
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    await exitCode(child, 15_000).catch(() => child?.kill('SIGKILL'));
  }
  child = undefined;
  await rm(directory, { recursive: true, force: true });
});

interface Output {
  stdout: string;
  stderr: string;
}

function start(args: string[]): { proc: ChildProcess; output: Output; stateFile: string } {
  const stateFile = join(directory, 'stack.json');
  const proc = spawn(
    process.execPath,
    [
      '--conditions=@preview-lambda/source',
      '--import',
      'tsx',
      'local/start.ts',
      '--proxy-port',
      '0',
      '--lambda-port',
      '0',
      '--state-file',
      stateFile,
      '--nginx-prefix',
      join(directory, 'nginx'),
      ...args,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: Output = { stdout: '', stderr: '' };
  proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output.stdout += chunk;
  });
  proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output.stderr += chunk;
  });
  child = proc;
  return { proc, output, stateFile };
}

async function until(what: string, output: Output, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`${what} not within ${timeoutMs} ms\nstdout:\n${output.stdout}\nstderr:\n${output.stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function exitCode(proc: ChildProcess, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (proc.exitCode !== null) return resolve(proc.exitCode);
    const timer = setTimeout(() => reject(new Error(`still running after ${timeoutMs} ms`)), timeoutMs);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(SKIP_WITHOUT_NGINX)('npm start (local/start.ts) with nginx', () => {
  it('prints the URLs, writes the state file, serves previews through nginx and stops everything on SIGTERM', async () => {
    const { proc, output, stateFile } = start(['--port', '0']);
    await until('the Ready line', output, () => output.stdout.includes('Ready: '));

    const state = JSON.parse(await readFile(stateFile, 'utf8')) as StackDescription;
    expect(state.nginx.running).toBe(true);
    expect(state.url).toBe(state.endpoints.nginx);
    for (const each of state.try) expect(output.stdout).toContain(each.url);
    for (const url of Object.values(state.endpoints)) expect(output.stdout).toContain(url);
    expect(output.stdout).toContain('AWS_ACCESS_KEY_ID=S3RVER');

    const preview = await fetch(`${state.url}/prew/small/samples/landscape.jpg`);
    expect(preview.status).toBe(200);
    expect(preview.headers.get('content-type')).toBe('image/jpeg');
    expect((await fetch(`${state.url}/photo/samples/landscape.jpg`)).status).toBe(200);
    // The follower prints nginx's access log: the first request went S3 (404) → proxy.
    const logged = /nginx\s+GET \/prew\/small\/samples\/landscape\.jpg 200 .*via S3 404 → proxy 200/;
    await until('the nginx log line', output, () => logged.test(output.stdout));

    const nginxPid = state.nginx.running ? state.nginx.pid : 0;
    expect(alive(nginxPid)).toBe(true);
    proc.kill('SIGTERM');
    expect(await exitCode(proc, 15_000)).toBe(0);
    expect(alive(nginxPid)).toBe(false);
    expect(existsSync(stateFile)).toBe(false);
    await expect(fetch(state.endpoints.proxy)).rejects.toThrow();
  });

  it('fails clearly, starting nothing, when the nginx port is taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { proc, output, stateFile } = start(['--port', String(port)]);
      expect(await exitCode(proc, 30_000)).toBe(1);
      expect(output.stderr).toContain(`nginx: 127.0.0.1:${port} is already in use; choose another with --port`);
      expect(existsSync(stateFile)).toBe(false);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});

describe('npm start (local/start.ts) without nginx', () => {
  it('says nginx is not running and the proxy answers previews directly', async () => {
    // The first preset offers no format: the variant to try is medium's, next to medium's preview.
    const { proc, output, stateFile } = start(['--no-nginx', '--presets', 'small=320,medium=720;webp,large=1440']);
    await until('the Ready line', output, () => output.stdout.includes('Ready: '));

    const state = JSON.parse(await readFile(stateFile, 'utf8')) as StackDescription;
    expect(state.nginx).toEqual({ running: false, reason: 'disabled' });
    expect(state.endpoints.nginx).toBeNull();
    expect(state.url).toBe(state.endpoints.proxy);
    expect(output.stdout).toContain('nginx is not running: disabled.');
    // Nothing to try promises what only nginx does.
    expect(state.try.filter((each) => each.what.includes('nginx') && !each.what.includes('without nginx'))).toEqual([]);
    const variant = state.try.findIndex((each) => each.url.includes('@'));
    expect(state.try.slice(variant - 1, variant + 1).map((each) => each.url)).toEqual([
      `${state.url}/prew/medium/samples/landscape.jpg`,
      `${state.url}/prew/medium@webp/samples/landscape.jpg`,
    ]);
    const preview = await fetch(`${state.url}/prew/small/samples/landscape.jpg`);
    expect(preview.status).toBe(200);
    // The function's EMF blob, one readable line, and the proxy's Prometheus metrics at the printed URL.
    const emf = /^emf\s+PreviewLambda outcome=executed preset=small {2}Invocations 1, .*ResizeTime [\d.]+ ms/m;
    await until('the emf line', output, () => emf.test(output.stdout));
    expect(output.stdout).toContain(`metrics      ${state.endpoints.metrics}`);
    const metrics = await (await fetch(state.endpoints.metrics)).text();
    expect(metrics).toMatch(/^preview_proxy_requests_total\{outcome="generated",status="200",code=""\} 1$/m);

    proc.kill('SIGTERM');
    expect(await exitCode(proc, 15_000)).toBe(0);
    expect(existsSync(stateFile)).toBe(false);
  });

  it('refuses the layout issue’s three attacks through its Lambda endpoint, writing nothing', async () => {
    const { proc, output, stateFile } = start(['--no-nginx']);
    await until('the Ready line', output, () => output.stdout.includes('Ready: '));
    const state = JSON.parse(await readFile(stateFile, 'utf8')) as StackDescription;
    const { accessKeyId, secretAccessKey, region } = state.credentials;
    const clientConfig = { region, credentials: { accessKeyId, secretAccessKey } };
    const lambda = new LambdaClient({ ...clientConfig, endpoint: state.endpoints.lambda });
    const s3 = new S3Client({ ...clientConfig, endpoint: state.endpoints.s3, forcePathStyle: true });
    const listing = async (): Promise<string[]> => {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: state.bucket }));
      return (page.Contents ?? []).map((object) => `${object.Key} ${object.ETag}`).sort();
    };
    const base = { src_bucket: state.bucket, dst_bucket: state.bucket };
    const attacks = [
      // An original replaced by a 16 px copy of itself.
      { ...base, src_key: 'photo/samples/landscape.jpg', root_folder: 'photo', preset_name: 'samples', rewrite_part: 'photo/samples', width: 16 },
      // A non-original published as a public preview.
      { ...base, src_key: 'secret/private.jpg', root_folder: 'prew', preset_name: 'small', rewrite_part: 'secret', width: 320 },
      // The shared "small" preview rewritten at 4096 px.
      { ...base, src_key: 'photo/samples/landscape.jpg', root_folder: 'prew', preset_name: 'small', rewrite_part: 'photo', width: 4096 },
    ];
    try {
      const before = await listing();
      const codes: unknown[] = [];
      for (const attack of attacks) {
        const output = await lambda.send(
          new InvokeCommand({ FunctionName: state.functionName, Payload: JSON.stringify(attack) }),
        );
        expect(output.FunctionError).toBeUndefined();
        const response = JSON.parse(Buffer.from(output.Payload!).toString('utf8')) as { status: boolean; code: string };
        expect(response.status).toBe(false);
        codes.push(response.code);
      }
      expect(codes).toEqual(['LAYOUT_NOT_ALLOWED', 'LAYOUT_NOT_ALLOWED', 'PRESET_WIDTH_MISMATCH']);
      expect(await listing()).toEqual(before);
    } finally {
      lambda.destroy();
      s3.destroy();
    }
    proc.kill('SIGTERM');
    expect(await exitCode(proc, 15_000)).toBe(0);
  });
});
