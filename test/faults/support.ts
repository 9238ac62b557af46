/**
 * What the fault scenarios share: the short function timeout they run under, a timed call, the checks
 * every scenario ends with (nothing half-done is left behind; the next request succeeds), and the preview
 * proxy with deadlines derived from that timeout.
 */
import { invokeTimeoutFor, type ResizeResponse, requestTimeoutFor } from '@preview-lambda/contract';
import { PreviewInvoker } from '@preview-lambda/invoker';
import { expect } from 'vitest';
import { EMULATOR_REGION } from '@preview-lambda/local/emulators';
import { FUNCTION_NAME } from '@preview-lambda/local/preview-function';
import { S3PreviewReader } from '@preview-lambda/proxy/s3';
import { startProxy, type TestProxy } from '../proxy/support.js';
import type { FaultProxy } from '../support/fault-proxy.js';
import { BUCKETS, type HandlerUnderTest, type Harness, lambdaContext } from '../support/harness.js';
import { previewRequest } from '../support/requests.js';

/**
 * The function timeout of the scenarios, in ms: short, so that a deadline that fires is seen in seconds.
 * S3 calls then stop `FUNCTION_RESERVE_MS` (1.5 s) before it, 1.5 s after the invocation's start.
 */
export const FAULT_FUNCTION_TIMEOUT_MS = 3_000;

/** How a call ended (`value` or `error`) and how long it took, in ms. */
export interface Timed<T> {
  readonly value?: T;
  readonly error?: unknown;
  readonly ms: number;
}

/** Awaits `promise` and says how it ended, in how many ms. */
export async function timed<T>(promise: Promise<T>): Promise<Timed<T>> {
  const started = performance.now();
  try {
    const value = await promise;
    return { value, ms: performance.now() - started };
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
}

/** The preview key of a source key under `photo/` with preset `small`. */
export function previewKey(srcKey: string): string {
  return `prew/small/${srcKey.slice('photo/'.length)}`;
}

/**
 * Calls the handler once for `srcKey` (preset `small`, 320 px, between the harness buckets) under a
 * {@link FAULT_FUNCTION_TIMEOUT_MS} context (or `timeoutMs`).
 */
export function invoke(
  sut: HandlerUnderTest,
  srcKey: string,
  timeoutMs = FAULT_FUNCTION_TIMEOUT_MS,
): Promise<Timed<ResizeResponse>> {
  return timed(sut.handler(previewRequest(BUCKETS, srcKey), lambdaContext({ timeoutMs })));
}

/** One handler scenario: the function under test, the source key it is asked for, the fault proxy it uses. */
export interface HandlerScenario {
  readonly harness: Harness;
  readonly sut: HandlerUnderTest;
  readonly src: string;
  readonly faults: FaultProxy;
}

/** No idempotency record (in progress or not) and no preview object for the source: nothing half-done. */
export async function expectNothingLeft({ harness, sut, src }: HandlerScenario): Promise<void> {
  expect(await harness.records(sut.tableName)).toEqual([]);
  const listed = await harness.listBucket(BUCKETS.destination);
  expect(listed.filter((line) => line.startsWith(`${previewKey(src)} `))).toEqual([]);
}

/**
 * The preview of the source is stored whole: the object in the destination bucket holds exactly the bytes
 * of the answer `data`, and the idempotency table has one completed record.
 */
export async function expectStored({ harness, sut, src }: HandlerScenario, data: string): Promise<void> {
  const stored = await harness.getObject(BUCKETS.destination, previewKey(src));
  expect(stored?.contentType).toBe('image/jpeg');
  expect(stored?.bytes.equals(Buffer.from(data, 'base64'))).toBe(true);
  expect(await harness.records(sut.tableName)).toMatchObject([{ status: { S: 'COMPLETED' } }]);
}

/** The invocation answered the preview before the function timeout, and it is stored whole. */
export async function expectPreviewMade(scenario: HandlerScenario, outcome: Timed<ResizeResponse>): Promise<void> {
  expect(outcome.error).toBeUndefined();
  expect(outcome.value).toMatchObject({ status: true, key: previewKey(scenario.src), content_type: 'image/jpeg' });
  expect(outcome.ms).toBeLessThan(FAULT_FUNCTION_TIMEOUT_MS);
  await expectStored(scenario, outcome.value!.data);
}

/** With every fault cleared, the next request for the source gets its preview, stored whole. */
export async function expectNextSucceeds(scenario: HandlerScenario): Promise<void> {
  scenario.faults.clear();
  await expectPreviewMade(scenario, await invoke(scenario.sut, scenario.src));
}

/**
 * The invocation failed (threw an error like `error`) before the function timeout and left nothing
 * half-done; the next request, without the fault, gets the preview.
 */
export async function expectFailedThenRecovered(
  scenario: HandlerScenario,
  outcome: Timed<ResizeResponse>,
  error: Record<string, unknown>,
): Promise<void> {
  expect(outcome.error).toMatchObject(error);
  expect(outcome.ms).toBeLessThan(FAULT_FUNCTION_TIMEOUT_MS);
  await expectNothingLeft(scenario);
  await expectNextSucceeds(scenario);
}

/** The proxy's deadlines derived from a function timeout, as `contract/deadlines.ts` derives the defaults. */
export function proxyDeadlines(functionTimeoutMs: number): { invokeTimeoutMs: number; requestTimeoutMs: number } {
  const invokeTimeoutMs = invokeTimeoutFor(functionTimeoutMs / 1000);
  return { invokeTimeoutMs, requestTimeoutMs: requestTimeoutFor(invokeTimeoutMs) };
}

/**
 * The preview proxy as production wires it (one `PreviewInvoker`, S3 for stored previews) in front of the
 * Lambda endpoint at `lambdaUrl`, with its deadlines derived from `functionTimeoutMs`. Close it with the
 * returned `close`.
 */
export async function startPreviewProxy(
  harness: Harness,
  lambdaUrl: string,
  functionTimeoutMs = FAULT_FUNCTION_TIMEOUT_MS,
): Promise<TestProxy & { close(): Promise<void> }> {
  const { invokeTimeoutMs, requestTimeoutMs } = proxyDeadlines(functionTimeoutMs);
  const invoker = new PreviewInvoker({
    functionName: FUNCTION_NAME,
    timeoutMs: invokeTimeoutMs,
    clientConfig: {
      endpoint: lambdaUrl,
      region: EMULATOR_REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    },
  });
  const proxy = await startProxy({
    env: { INVOKE_TIMEOUT_MS: String(invokeTimeoutMs), REQUEST_TIMEOUT_MS: String(requestTimeoutMs) },
    invoker,
    storage: new S3PreviewReader({ client: harness.s3 }),
  });
  return {
    ...proxy,
    async close() {
      await proxy.proxy.close();
      invoker.destroy();
    },
  };
}

/** The URL path the proxy serves the `small` preview of `srcKey` at (nginx's fallback sends the same). */
export function previewPath(srcKey: string): string {
  return `/${previewKey(srcKey)}`;
}
