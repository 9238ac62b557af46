/**
 * S3 faults between the real function (its composition root and production client settings; only the S3
 * endpoint points at a fault proxy in front of the emulator) and the S3 emulator. Every scenario runs under
 * a 3 s function timeout and asserts the answer, the time bound, that nothing half-done is left (no
 * idempotency record, no preview object or only a whole one) and that the next request succeeds.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg } from '../../local/images.js';
import { type FaultProxy, type Matcher, matching, startFaultProxy } from '../support/fault-proxy.js';
import { BUCKETS, type HandlerUnderTest, type Harness, startHarness } from '../support/harness.js';
import { uniqueSourceKey } from '../support/requests.js';
import {
  expectNextSucceeds,
  expectNothingLeft,
  expectStored,
  FAULT_FUNCTION_TIMEOUT_MS,
  invoke,
  previewKey,
} from './support.js';

let harness: Harness;
let s3: FaultProxy;
let original: Buffer;

beforeAll(async () => {
  harness = await startHarness();
  s3 = await startFaultProxy(harness.emulators.s3Endpoint);
  original = await makeJpeg({ width: 640, height: 480 }); // ~100 KB
});

afterEach(() => s3.clear());

afterAll(async () => {
  await s3?.close();
  await harness?.stop();
});

/** GetObject of the original `srcKey` (path-style: `/<bucket>/<key>`). */
const getOriginal = (srcKey: string): Matcher => matching({ method: 'GET', path: `/${BUCKETS.source}/${srcKey}?` });

/** PutObject of the preview of `srcKey`. */
const putPreview = (srcKey: string): Matcher =>
  matching({ method: 'PUT', path: `/${BUCKETS.destination}/${previewKey(srcKey)}?` });

/** A function whose S3 client goes through the fault proxy, and a fresh original for it. */
async function setUp(name: string): Promise<{ sut: HandlerUnderTest; src: string }> {
  const sut = await harness.handler({ endpoints: { s3: s3.url } });
  const src = uniqueSourceKey(name);
  await harness.putSource(src, original, 'image/jpeg');
  return { sut, src };
}

/** The requests the fault proxy saw that `match`, as the faults it applied. */
function faultsSeen(match: Matcher): string[] {
  return s3.requests.filter(match).map((request) => request.fault);
}

describe('S3 faults: GetObject of the original', () => {
  it('hangs: the invocation fails with DependencyDeadlineError at its S3 deadline (1.5 s of 3 s)', async () => {
    const { sut, src } = await setUp('hang.jpg');
    s3.inject({ kind: 'hang' }, { match: getOriginal(src) });

    const outcome = await invoke(sut, src);

    expect(outcome.error).toMatchObject({
      name: 'DependencyDeadlineError',
      message: `GetObject s3://${BUCKETS.source}/${src} did not complete before the invocation's deadline`,
    });
    expect(outcome.ms).toBeLessThan(FAULT_FUNCTION_TIMEOUT_MS);
    await expectNothingLeft(harness, sut, src);
    s3.clear();
    await expectNextSucceeds(harness, sut, src);
  });

  it('answers 503 once: the SDK retries and the preview is made', async () => {
    const { sut, src } = await setUp('503-once.jpg');
    s3.inject({ kind: 'status', status: 503, ...s3Error('SlowDown') }, { match: getOriginal(src), times: 1 });

    const outcome = await invoke(sut, src);

    expect(outcome.value).toMatchObject({ status: true, key: previewKey(src) });
    expect(outcome.ms).toBeLessThan(FAULT_FUNCTION_TIMEOUT_MS);
    expect(faultsSeen(getOriginal(src))).toEqual(['status', 'pass']);
    await expectStored(harness, sut, src, outcome.value!.data);
    expect([sut.resizes(), sut.puts()]).toEqual([1, 1]);
  });

  it('answers 500 to every attempt: the invocation fails with InternalError after 3 attempts', async () => {
    const { sut, src } = await setUp('500-always.jpg');
    s3.inject({ kind: 'status', status: 500, ...s3Error('InternalError') }, { match: getOriginal(src) });

    const outcome = await invoke(sut, src);

    expect(outcome.error).toMatchObject({ name: 'InternalError' });
    expect(outcome.ms).toBeLessThan(FAULT_FUNCTION_TIMEOUT_MS);
    expect(faultsSeen(getOriginal(src))).toEqual(['status', 'status', 'status']);
    await expectNothingLeft(harness, sut, src);
    s3.clear();
    await expectNextSucceeds(harness, sut, src);
  });

  it('drops the connection once: the SDK retries and the preview is made', async () => {
    const { sut, src } = await setUp('drop-once.jpg');
    s3.inject({ kind: 'drop' }, { match: getOriginal(src), times: 1 });

    const outcome = await invoke(sut, src);

    expect(outcome.value).toMatchObject({ status: true, key: previewKey(src) });
    expect(outcome.ms).toBeLessThan(FAULT_FUNCTION_TIMEOUT_MS);
    expect(faultsSeen(getOriginal(src))).toEqual(['drop', 'pass']);
    await expectStored(harness, sut, src, outcome.value!.data);
  });

  it('drops every connection: the invocation fails (socket hang up) after 3 attempts, then recovers', async () => {
    const { sut, src } = await setUp('drop-always.jpg');
    s3.inject({ kind: 'drop' }, { match: getOriginal(src) });

    const outcome = await invoke(sut, src);

    expect(outcome.error).toMatchObject({ message: 'socket hang up' });
    expect(outcome.ms).toBeLessThan(FAULT_FUNCTION_TIMEOUT_MS);
    expect(faultsSeen(getOriginal(src))).toEqual(['drop', 'drop', 'drop']);
    await expectNothingLeft(harness, sut, src);
    s3.clear();
    await expectNextSucceeds(harness, sut, src);
  });

  it('cuts the body mid-way: the invocation fails (a body is not retried), then recovers', async () => {
    const { sut, src } = await setUp('cut-body.jpg');
    s3.inject({ kind: 'cut-response', afterBytes: original.length / 2 }, { match: getOriginal(src), times: 1 });

    const outcome = await invoke(sut, src);

    expect(outcome.error).toMatchObject({ message: 'aborted' });
    expect(outcome.ms).toBeLessThan(FAULT_FUNCTION_TIMEOUT_MS);
    expect(sut.resizes()).toBe(0); // half an original is never resized
    await expectNothingLeft(harness, sut, src);
    await expectNextSucceeds(harness, sut, src);
  });

  it('trickles the body: cut at the S3 deadline though bytes keep coming (DependencyDeadlineError)', async () => {
    const { sut, src } = await setUp('trickle.jpg');
    // ~100 KB at 2 KB per 100 ms would take ~5 s: longer than the function timeout.
    s3.inject({ kind: 'trickle', bytes: 2_048, everyMs: 100 }, { match: getOriginal(src), times: 1 });

    const outcome = await invoke(sut, src);

    expect(outcome.error).toMatchObject({ name: 'DependencyDeadlineError' });
    expect(outcome.ms).toBeLessThan(FAULT_FUNCTION_TIMEOUT_MS);
    expect(sut.resizes()).toBe(0);
    await expectNothingLeft(harness, sut, src);
    await expectNextSucceeds(harness, sut, src);
  });
});

describe('S3 faults: PutObject of the preview', () => {
  it('cuts the request body of every attempt: the invocation fails and no partial object is stored', async () => {
    const { sut, src } = await setUp('cut-put.jpg');
    s3.inject({ kind: 'cut-request', afterBytes: 1_000 }, { match: putPreview(src) });

    const outcome = await invoke(sut, src);

    expect(outcome.error).toBeDefined();
    expect(outcome.ms).toBeLessThan(FAULT_FUNCTION_TIMEOUT_MS);
    expect(faultsSeen(putPreview(src))).toEqual(['cut-request', 'cut-request', 'cut-request']);
    await expectNothingLeft(harness, sut, src);
    s3.clear();
    await expectNextSucceeds(harness, sut, src);
  });

  it('cuts the request body once: the SDK retries and the stored object is whole', async () => {
    const { sut, src } = await setUp('cut-put-once.jpg');
    s3.inject({ kind: 'cut-request', afterBytes: 1_000 }, { match: putPreview(src), times: 1 });

    const outcome = await invoke(sut, src);

    expect(outcome.value).toMatchObject({ status: true, key: previewKey(src) });
    expect(faultsSeen(putPreview(src))).toEqual(['cut-request', 'pass']);
    await expectStored(harness, sut, src, outcome.value!.data);
  });

  it('hangs: DependencyDeadlineError at the S3 deadline, nothing stored, then recovers', async () => {
    const { sut, src } = await setUp('hang-put.jpg');
    s3.inject({ kind: 'hang' }, { match: putPreview(src) });

    const outcome = await invoke(sut, src);

    expect(outcome.error).toMatchObject({ name: 'DependencyDeadlineError' });
    expect((outcome.error as Error).message).toContain(`PutObject s3://${BUCKETS.destination}/${previewKey(src)}`);
    expect(outcome.ms).toBeLessThan(FAULT_FUNCTION_TIMEOUT_MS);
    await expectNothingLeft(harness, sut, src);
    s3.clear();
    await expectNextSucceeds(harness, sut, src);
  });
});

describe('S3 faults: slow', () => {
  it('answers every call 300 ms late: the preview is made within the function timeout', async () => {
    const { sut, src } = await setUp('slow.jpg');
    s3.inject({ kind: 'delay', ms: 300 });

    const outcome = await invoke(sut, src);

    expect(outcome.value).toMatchObject({ status: true, key: previewKey(src) });
    expect(outcome.ms).toBeLessThan(FAULT_FUNCTION_TIMEOUT_MS);
    expect(faultsSeen(getOriginal(src))).toEqual(['delay']);
    await expectStored(harness, sut, src, outcome.value!.data);
  });
});

/** The body and content type of an S3 error answer (S3 API reference, "Error responses"). */
function s3Error(code: string) {
  return {
    headers: { 'Content-Type': 'application/xml' },
    body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected</Message></Error>`,
  };
}
