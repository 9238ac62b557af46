/**
 * The function killed mid-burst and restarted. The local Lambda endpoint runs as its own process
 * (`npm run lambda:local`, function timeout 3 s) against emulators this test owns, its S3 behind a fault
 * proxy that holds every PutObject of a preview, so that each invocation of a burst is caught mid-run with
 * its idempotency record in progress. The process is SIGKILLed (nothing of it can clean up), restarted on
 * the same port, and the next request for each preview gets it: the left-behind record expires at the
 * killed invocation's deadline, which the proxy's invoker outwaits (its deadline is derived from the
 * function timeout) — not a 504.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg } from '@preview-lambda/fixtures/images';
import { IDEMPOTENCY_TABLE } from '@preview-lambda/local/preview-function';
import { exitCode, spawnLambdaCli } from '../local-lambda/support.js';
import { send } from '../proxy/support.js';
import { type FaultProxy, matching, startFaultProxy } from '../support/fault-proxy.js';
import { BACKEND, BUCKETS, type Harness, startHarness } from '../support/harness.js';
import { uniqueSourceKey } from '../support/requests.js';
import {
  FAULT_FUNCTION_TIMEOUT_MS,
  previewKey,
  previewPath,
  proxyDeadlines,
  startPreviewProxy,
  timed,
} from './support.js';

/** Distinct previews in the burst, and concurrent requests for each. */
const PREVIEWS = 4;
const REQUESTS_PER_PREVIEW = 5;

const { requestTimeoutMs } = proxyDeadlines(FAULT_FUNCTION_TIMEOUT_MS);

let harness: Harness;
let s3: FaultProxy;
let child: ChildProcess | undefined;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  harness = await startHarness();
  s3 = await startFaultProxy(harness.emulators.s3Endpoint);
});

afterAll(async () => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    const exited = exitCode(child, 10_000);
    child.kill('SIGTERM');
    await exited.catch(() => child?.kill('SIGKILL'));
  }
  for (const cleanup of cleanups.reverse()) await cleanup();
  await s3?.close();
  await harness?.stop();
});

/** `npm run lambda:local` on `port`, function timeout 3 s, over the test's emulators (S3 via the fault proxy). */
async function startFunction(port: number): Promise<string> {
  const started = await spawnLambdaCli([
    ...['--port', String(port), '--timeout', String(FAULT_FUNCTION_TIMEOUT_MS / 1000), '--backend', BACKEND],
    ...['--bucket', BUCKETS.source, '--bucket', BUCKETS.destination],
    ...['--s3-endpoint', s3.url, '--dynamodb-endpoint', harness.emulators.dynamodbEndpoint],
  ]);
  child = started.child;
  return started.url;
}

describe('Function killed mid-burst and restarted', () => {
  it('answers the burst without a hang or a 504, and the next request for each preview gets it', async () => {
    const url = await startFunction(0);
    const proxy = await startPreviewProxy(harness, url);
    cleanups.push(() => proxy.close());
    const sources = Array.from({ length: PREVIEWS }, (_, index) => uniqueSourceKey(`burst-${index}.jpg`));
    const original = await makeJpeg({ width: 1600, height: 1200 });
    for (const src of sources) await harness.putSource(src, original, 'image/jpeg');
    const writes = matching({ method: 'PUT', path: `/${BUCKETS.destination}/prew/` });
    s3.inject({ kind: 'hang' }, { match: writes });

    const burst = sources.flatMap((src) =>
      Array.from({ length: REQUESTS_PER_PREVIEW }, () => timed(send(proxy.port, previewPath(src)))),
    );
    // One invocation per preview (the proxy's single flight), each held at its PutObject: kill them there.
    await expect.poll(() => s3.requests.filter(writes).length, { timeout: 10_000 }).toBe(PREVIEWS);
    const killed = exitCode(child!, 5_000);
    child!.kill('SIGKILL');
    await killed;
    const killedAt = Date.now();

    // Left behind: a record in progress per preview, expiring at its invocation's deadline; no preview.
    const left = await harness.records(IDEMPOTENCY_TABLE);
    expect(left.map((record) => record.status)).toEqual(Array(PREVIEWS).fill({ S: 'INPROGRESS' }));
    for (const record of left) {
      const expiry = Number((record.in_progress_expiration as { N: string }).N);
      expect(expiry).toBeGreaterThan(killedAt);
      expect(expiry).toBeLessThanOrEqual(killedAt + FAULT_FUNCTION_TIMEOUT_MS);
    }
    for (const src of sources) expect(await harness.getObject(BUCKETS.destination, previewKey(src))).toBeUndefined();

    s3.clear();
    expect(await startFunction(Number(new URL(url).port))).toBe(url);

    // The burst: answered before the proxy's request deadline, the function's crash as a 502 or, for a
    // request whose retry reached the restarted function, the preview; none hung, none timed out.
    for (const answer of await Promise.all(burst)) {
      expect(answer.error).toBeUndefined();
      expect([200, 502]).toContain(answer.value?.status);
      expect(answer.ms).toBeLessThan(requestTimeoutMs);
    }

    const next = await Promise.all(sources.map((src) => timed(send(proxy.port, previewPath(src)))));

    for (const [index, answer] of next.entries()) {
      expect(answer.value?.status).toBe(200);
      expect(answer.value?.headers['content-type']).toBe('image/jpeg');
      expect(answer.ms).toBeLessThan(requestTimeoutMs);
      const stored = await harness.getObject(BUCKETS.destination, previewKey(sources[index]!));
      expect(stored?.bytes.equals(answer.value!.body)).toBe(true);
    }
    const completed = await harness.records(IDEMPOTENCY_TABLE);
    expect(completed.map((record) => record.status)).toEqual(Array(PREVIEWS).fill({ S: 'COMPLETED' }));
  });
});
