/**
 * Smoke test of `npm run lambda:local`: the CLI starts the emulators and the endpoint, serves the real
 * handler, and exits 0 on SIGTERM.
 *
 * It runs `node --import tsx` rather than `npx`/`npm run` or the `tsx` wrapper: npm does not pass a SIGTERM
 * sent to its own pid on to the script, and killing a wrapper would orphan the real process (a terminal's
 * Ctrl-C reaches the whole process group, so interactive use is fine).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { lambdaClient, payloadJson } from './support.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let child: ChildProcess | undefined;

afterEach(async () => {
  // A test that failed half-way: stop it the way a user would, so that it stops its emulators too.
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    await exitCode(child, 15_000).catch(() => child?.kill('SIGKILL'));
  }
  child = undefined;
});

/** Resolves with the first match of `pattern` in the child's stdout; rejects if it exits first. */
function waitForOutput(proc: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
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

function exitCode(proc: ChildProcess, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still running ${timeoutMs} ms after SIGTERM`)), timeoutMs);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('Function: lambda-server-cli', () => {
  it('serves the jpeg-preset event with the real handler and exits 0 on SIGTERM', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'local/lambda-server-cli.ts', '--port', '0'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [, url] = await waitForOutput(child, /listening on (http:\/\/\S+)/, 25_000);
    const client = lambdaClient(url!);

    try {
      const output = await client.send(
        new InvokeCommand({
          FunctionName: 'PreviewFunction',
          Payload: await readFile(`${ROOT}/events/jpeg-preset.json`),
        }),
      );

      expect(output.FunctionError).toBeUndefined();
      expect(payloadJson(output.Payload)).toMatchObject({
        status: true,
        key: 'prew/large/samples/landscape.jpg',
        content_type: 'image/jpeg',
      });
    } finally {
      client.destroy();
    }
    const exited = exitCode(child, 5_000);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
