/**
 * What the fault scenarios share: the short function timeout they run under, a timed call, and the two
 * checks every scenario ends with (nothing half-done is left behind; the next request succeeds).
 */
import { expect } from 'vitest';
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
