/**
 * Helpers for the local Lambda endpoint tests: SDK clients pointed at a server, payload decoding,
 * deferred promises for scripted handlers, and the `npm run lambda:local` child process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LambdaClient } from '@aws-sdk/client-lambda';

/** A Lambda client for `url` with dummy credentials; `maxAttempts: 1` so errors surface unretried. */
export function lambdaClient(url: string, maxAttempts = 1): LambdaClient {
  return new LambdaClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts,
  });
}

/** The SDK's `Payload` as text (`''` when absent). */
export function payloadText(payload: Uint8Array | undefined | null): string {
  return payload instanceof Uint8Array ? Buffer.from(payload).toString('utf8') : '';
}

/** The SDK's `Payload` parsed as JSON. */
export function payloadJson(payload: Uint8Array | undefined | null): unknown {
  return JSON.parse(payloadText(payload));
}

/** A promise with its resolve function exposed. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

/** Creates a {@link Deferred}. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** Awaits a rejection and returns the error, failing when `promise` resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('Expected a rejection, but the promise resolved');
}

/** Waits until `condition()` holds, polling every 10 ms, for at most `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resolves with the first match of `pattern` in the child's stdout; rejects if it exits first. */
export function waitForOutput(proc: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => fail(`no ${pattern} within ${timeoutMs} ms`), timeoutMs);
    function fail(reason: string): void {
      clearTimeout(timer);
      reject(new Error(`lambda:local: ${reason}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    proc.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const match = pattern.exec(stdout);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    proc.once('exit', (code) => fail(`exited with code ${code} before printing ${pattern}`));
  });
}

/** Resolves with `proc`'s exit code; rejects when it is still running after `timeoutMs` (sent a SIGTERM). */
export function exitCode(proc: ChildProcess, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still running ${timeoutMs} ms after SIGTERM`)), timeoutMs);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Runs `npm run lambda:local -- <args>` as `node --import tsx local/lambda-server-cli.ts <args>` (npm and the
 * `tsx` wrapper do not pass a signal sent to their own pid on, so the test could not stop or kill the real
 * process) and resolves with it and its URL once its banner says it listens.
 */
export async function spawnLambdaCli(args: readonly string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--conditions=@preview-lambda/source', '--import', 'tsx', 'local/lambda-server-cli.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [, url] = await waitForOutput(child, /listening on (http:\/\/\S+)/, 25_000);
  return { child, url: url! };
}
