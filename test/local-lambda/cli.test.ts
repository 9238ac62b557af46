/**
 * Smoke test of `npm run lambda:local`: the CLI starts the emulators and the endpoint, serves the real
 * handler, and exits 0 on SIGTERM.
 *
 * It runs `node --import tsx` rather than `npx`/`npm run` or the `tsx` wrapper: npm does not pass a SIGTERM
 * sent to its own pid on to the script, and killing a wrapper would orphan the real process (a terminal's
 * Ctrl-C reaches the whole process group, so interactive use is fine).
 */
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { exitCode, lambdaClient, payloadJson, spawnLambdaCli } from './support.js';

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

describe('Function: lambda-server-cli', () => {
  it('serves the jpeg-preset event with the real handler and exits 0 on SIGTERM', async () => {
    const started = await spawnLambdaCli(['--port', '0']);
    child = started.child;
    const client = lambdaClient(started.url);

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
