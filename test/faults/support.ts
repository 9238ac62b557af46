/**
 * What the fault scenarios share: the short function timeout they run under, a timed call, the checks
 * every scenario ends with (nothing half-done is left behind; the next request succeeds), and the preview
 * proxy with deadlines derived from that timeout.
 */
import { invokeTimeoutFor, requestTimeoutFor } from '@preview-lambda/contract';
import { PreviewInvoker } from '@preview-lambda/invoker';
import { expect } from 'vitest';
import { EMULATOR_REGION } from '../../local/emulators.js';
import { FUNCTION_NAME } from '../../local/preview-function.js';
import { S3PreviewReader } from '../../proxy/src/s3.js';
import { startProxy, type TestProxy } from '../proxy/support.js';
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

/** The request for `srcKey` (preset `small`, 320 px) between the harness buckets. */
export function faultRequest(srcKey: string) {
  return previewRequest(BUCKETS, srcKey);
}

/** Calls the handler once for `srcKey` under a {@link FAULT_FUNCTION_TIMEOUT_MS} context (or `timeoutMs`). */
export function invoke(sut: HandlerUnderTest, srcKey: string, timeoutMs = FAULT_FUNCTION_TIMEOUT_MS) {
  return timed(sut.handler(faultRequest(srcKey), lambdaContext({ timeoutMs })));
}

/** No idempotency record (in progress or not) and no preview object for `srcKey`: nothing half-done. */
export async function expectNothingLeft(harness: Harness, sut: HandlerUnderTest, srcKey: string): Promise<void> {
  expect(await harness.records(sut.tableName)).toEqual([]);
  const listed = await harness.listBucket(BUCKETS.destination);
  expect(listed.filter((line) => line.startsWith(`${previewKey(srcKey)} `))).toEqual([]);
}

/**
 * The preview for `srcKey` is stored whole: the object in the destination bucket holds exactly the bytes of
 * the answer `data`, and the idempotency table has one completed record.
 */
export async function expectStored(
  harness: Harness,
  sut: HandlerUnderTest,
  srcKey: string,
  data: string,
): Promise<void> {
  const stored = await harness.getObject(BUCKETS.destination, previewKey(srcKey));
  expect(stored?.contentType).toBe('image/jpeg');
  expect(stored?.bytes.equals(Buffer.from(data, 'base64'))).toBe(true);
  expect(await harness.records(sut.tableName)).toMatchObject([{ status: { S: 'COMPLETED' } }]);
}

/** The next request for `srcKey`, with no fault left, gets its preview, stored whole. */
export async function expectNextSucceeds(harness: Harness, sut: HandlerUnderTest, srcKey: string): Promise<void> {
  const next = await invoke(sut, srcKey);
  expect(next.error).toBeUndefined();
  expect(next.value).toMatchObject({ status: true, key: previewKey(srcKey), content_type: 'image/jpeg' });
  await expectStored(harness, sut, srcKey, next.value!.data);
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
