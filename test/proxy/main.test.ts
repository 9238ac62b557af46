/**
 * The entry point as a process, run from source (tsx) and as the production bundle
 * (`npm run build -w proxy` → `node proxy/dist/main.mjs`): configuration from the environment, the Lambda
 * endpoint through the SDK's standard `AWS_ENDPOINT_URL_LAMBDA`, graceful shutdown on SIGTERM.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { answer, FakeLambda } from '../invoker/fake-lambda.js';
import { send } from './support.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PREVIEW = Buffer.from('preview bytes');

interface Started {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[];
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** How the entry point is run: from its TypeScript source, or as the bundle production runs. */
const ENTRY_POINTS = {
  source: ['--conditions=@preview-lambda/source', '--import', 'tsx', 'proxy/src/main.ts'],
  bundle: ['proxy/dist/main.mjs'],
} as const;
type EntryPoint = keyof typeof ENTRY_POINTS;

/** Starts the proxy's entry point with exactly `env` (plus PATH). */
function startMain(entry: EntryPoint, env: Record<string, string>): Started {
  const child = spawn(process.execPath, [...ENTRY_POINTS[entry]], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_NO_WARNINGS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: Record<string, unknown>[] = [];
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    let newline;
    while ((newline = stdout.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(stdout.slice(0, newline)) as Record<string, unknown>);
      stdout = stdout.slice(newline + 1);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, lines, stderr: () => stderr, exited };
}

async function waitForLine(started: Started, msg: string, timeoutMs = 15_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = started.lines.find((candidate) => candidate.msg === msg);
    if (line !== undefined) return line;
    if (started.child.exitCode !== null) throw new Error(`main exited (${started.child.exitCode}): ${started.stderr()}`);
    if (Date.now() > deadline) throw new Error(`No "${msg}" line within ${timeoutMs} ms: ${started.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(Object.keys(ENTRY_POINTS) as EntryPoint[])('Module: proxy/src/main.ts (%s)', (entry) => {
  let lambda: FakeLambda;

  beforeAll(async () => {
    if (entry === 'bundle') {
      await promisify(execFile)(process.execPath, ['--conditions=@preview-lambda/source', '--import', 'tsx', 'proxy/scripts/build.ts'], { cwd: ROOT });
    }
    lambda = await FakeLambda.start();
  }, 60_000);
  afterAll(async () => {
    await lambda.close();
  });
  afterEach(() => lambda.reset());

  const env = () => ({
    PORT: '0',
    SOURCE_BUCKET: 'originals-bucket',
    PRESETS: 'small=320',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'x',
    AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
  });

  it('serves previews through AWS_ENDPOINT_URL_LAMBDA and exits 0 on SIGTERM after draining', async () => {
    lambda.enqueue({
      ...answer({
        status: true,
        key: 'prew/small/a.jpg',
        content_type: 'image/jpeg',
        data: PREVIEW.toString('base64'),
        error: '',
      }),
      delayMs: 400,
    });
    const started = startMain(entry, env());
    const listening = await waitForLine(started, 'listening');
    expect(listening).toMatchObject({ functionName: 'PreviewFunction', endpoints: { lambda: lambda.endpoint } });
    const port = Number(new URL(listening.url as string).port);

    const pending = send(port, '/prew/small/a.jpg');
    const deadline = Date.now() + 5_000;
    while (lambda.requests.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(lambda.requests).toHaveLength(1);
    started.child.kill('SIGTERM');

    const response = await pending;
    expect(response.status).toBe(200);
    expect(response.body.equals(PREVIEW)).toBe(true);
    expect(await started.exited).toBe(0);
    expect(started.lines.map((line) => line.msg)).toEqual([
      'listening',
      'shutting down: draining requests in flight',
      'request',
      'stopped',
    ]);
    expect(started.lines[1]).toMatchObject({ signal: 'SIGTERM', inFlight: 1 });
  });

  it('serves /metrics on METRICS_PORT, up through the drain, counting the drained request', async () => {
    lambda.enqueue({
      ...answer({ status: true, key: 'prew/small/a.jpg', content_type: 'image/jpeg', data: PREVIEW.toString('base64'), error: '' }),
      delayMs: 400,
    });
    const started = startMain(entry, { ...env(), METRICS_PORT: '0' });
    const listening = await waitForLine(started, 'listening');
    const metricsUrl = listening.metricsUrl as string;
    expect(new URL(metricsUrl).pathname).toBe('/metrics');
    expect(new URL(metricsUrl).port).not.toBe(new URL(listening.url as string).port);
    expect((await send(Number(new URL(listening.url as string).port), '/metrics')).status).toBe(404);

    const pending = send(Number(new URL(listening.url as string).port), '/prew/small/a.jpg');
    const deadline = Date.now() + 5_000;
    while (lambda.requests.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    started.child.kill('SIGTERM');
    await waitForLine(started, 'shutting down: draining requests in flight');
    const during = await (await fetch(metricsUrl)).text();
    expect(during).toMatch(/^preview_proxy_previews_in_flight 1$/m);
    expect(during).toMatch(/^process_cpu_user_seconds_total /m);
    expect((await pending).status).toBe(200);
    expect(await started.exited).toBe(0);
    await expect(fetch(metricsUrl)).rejects.toThrow();
  });

  it('exits 1 naming every bad variable', async () => {
    const started = startMain(entry, { PORT: 'eighty', PRESETS: 'small=abc' });
    expect(await started.exited).toBe(1);
    expect(started.stderr()).toContain('Invalid proxy environment:');
    expect(started.stderr()).toContain('PORT: Expected an integer from 0 to 65535 (received "eighty")');
    expect(started.stderr()).toContain('SOURCE_BUCKET: Expected an S3 bucket name (3-63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit) (not set)');
    expect(started.stderr()).toContain('PRESETS: Expected name=width pairs');
    expect(started.lines).toEqual([]);
  });
});
