/**
 * S3 faults between the real function (its composition root and production client settings; only the S3
 * endpoint points at a fault proxy in front of the emulator) and the S3 emulator. Every scenario runs under
 * a 3 s function timeout (S3 calls stop 1.5 s after the start) and asserts the answer, the time bound, that
 * nothing half-done is left (no idempotency record, no preview object or only a whole one) and that the
 * next request succeeds.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg } from '@preview-lambda/fixtures/images';
import { type Fault, type FaultProxy, type Matcher, matching, startFaultProxy } from '../support/fault-proxy.js';
import { BUCKETS, type Harness, startHarness } from '../support/harness.js';
import { uniqueSourceKey } from '../support/requests.js';
import {
  expectFailedThenRecovered,
  expectPreviewMade,
  type HandlerScenario,
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

/** GetObject of the original `srcKey` (path-style: `/<bucket>/<key>?x-id=GetObject`). */
const getOriginal = (srcKey: string): Matcher => matching({ method: 'GET', path: `/${BUCKETS.source}/${srcKey}?` });

/** PutObject of the preview of `srcKey`. */
const putPreview = (srcKey: string): Matcher =>
  matching({ method: 'PUT', path: `/${BUCKETS.destination}/${previewKey(srcKey)}?` });

/**
 * A function whose S3 client goes through the fault proxy, a fresh original for it, and `fault` injected
 * on the calls `on` picks for that original (`times` of them, default all).
 */
async function setUp(
  name: string,
  fault: Fault,
  on: (srcKey: string) => Matcher,
  times?: number,
): Promise<HandlerScenario & { seen(): string[] }> {
  const sut = await harness.handler({ endpoints: { s3: s3.url } });
  const src = uniqueSourceKey(name);
  await harness.putSource(src, original, 'image/jpeg');
  s3.inject(fault, { match: on(src), ...(times === undefined ? {} : { times }) });
  // The faults applied to the matching calls, in order (`pass` once the rule is used up).
  const seen = () => s3.requests.filter(on(src)).map((request) => request.fault);
  return { harness, sut, src, faults: s3, seen };
}

/** The body and content type of an S3 error answer (S3 API reference, "Error responses"). */
function s3Error(code: string) {
  return {
    headers: { 'Content-Type': 'application/xml' },
    body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected</Message></Error>`,
  };
}

describe('S3 faults: GetObject of the original', () => {
  it('hangs: the invocation fails with DependencyDeadlineError at its S3 deadline (1.5 s of 3 s)', async () => {
    const scenario = await setUp('hang.jpg', { kind: 'hang' }, getOriginal);

    const outcome = await invoke(scenario.sut, scenario.src);

    await expectFailedThenRecovered(scenario, outcome, {
      name: 'DependencyDeadlineError',
      message: `GetObject s3://${BUCKETS.source}/${scenario.src} did not complete before the invocation's deadline`,
    });
  });

  it('answers 503 once: the SDK retries and the preview is made', async () => {
    const slowDown: Fault = { kind: 'status', status: 503, ...s3Error('SlowDown') };
    const scenario = await setUp('503-once.jpg', slowDown, getOriginal, 1);

    await expectPreviewMade(scenario, await invoke(scenario.sut, scenario.src));
    expect(scenario.seen()).toEqual(['status', 'pass']);
    expect([scenario.sut.resizes(), scenario.sut.puts()]).toEqual([1, 1]);
  });

  it('answers 500 to every attempt: the invocation fails with InternalError after 3 attempts', async () => {
    const scenario = await setUp('500.jpg', { kind: 'status', status: 500, ...s3Error('InternalError') }, getOriginal);

    const outcome = await invoke(scenario.sut, scenario.src);

    expect(scenario.seen()).toEqual(['status', 'status', 'status']);
    await expectFailedThenRecovered(scenario, outcome, { name: 'InternalError' });
  });

  it('drops the connection once: the SDK retries and the preview is made', async () => {
    const scenario = await setUp('drop-once.jpg', { kind: 'drop' }, getOriginal, 1);

    await expectPreviewMade(scenario, await invoke(scenario.sut, scenario.src));
    expect(scenario.seen()).toEqual(['drop', 'pass']);
  });

  it('drops every connection: the invocation fails (socket hang up) after 3 attempts', async () => {
    const scenario = await setUp('drop.jpg', { kind: 'drop' }, getOriginal);

    const outcome = await invoke(scenario.sut, scenario.src);

    expect(scenario.seen()).toEqual(['drop', 'drop', 'drop']);
    await expectFailedThenRecovered(scenario, outcome, { name: 'TimeoutError', message: 'socket hang up' });
  });

  it('cuts the body mid-way once: the adapter reads it again (the SDK retries requests, not bodies)', async () => {
    const scenario = await setUp('cut-once.jpg', { kind: 'cut-response', afterBytes: original.length / 2 }, getOriginal, 1);

    await expectPreviewMade(scenario, await invoke(scenario.sut, scenario.src));
    expect(scenario.seen()).toEqual(['cut-response', 'pass']);
    expect(scenario.sut.resizes()).toBe(1);
  });

  it('cuts every body mid-way: the invocation fails after two reads, nothing is resized', async () => {
    const scenario = await setUp('cut.jpg', { kind: 'cut-response', afterBytes: original.length / 2 }, getOriginal);

    const outcome = await invoke(scenario.sut, scenario.src);

    expect(scenario.seen()).toEqual(['cut-response', 'cut-response']);
    expect(scenario.sut.resizes()).toBe(0);
    await expectFailedThenRecovered(scenario, outcome, { message: 'aborted' });
  });

  it('trickles the body: cut at the S3 deadline though bytes keep coming (DependencyDeadlineError)', async () => {
    // ~100 KB at 2 KB per 100 ms would take ~5 s: longer than the function timeout.
    const scenario = await setUp('trickle.jpg', { kind: 'trickle', bytes: 2_048, everyMs: 100 }, getOriginal, 1);

    const outcome = await invoke(scenario.sut, scenario.src);

    expect(scenario.sut.resizes()).toBe(0);
    await expectFailedThenRecovered(scenario, outcome, { name: 'DependencyDeadlineError' });
  });
});

describe('S3 faults: PutObject of the preview', () => {
  it('cuts the request body of every attempt: the invocation fails and no partial object is stored', async () => {
    const scenario = await setUp('cut-put.jpg', { kind: 'cut-request', afterBytes: 1_000 }, putPreview);

    const outcome = await invoke(scenario.sut, scenario.src);

    expect(scenario.seen()).toEqual(['cut-request', 'cut-request', 'cut-request']);
    // The SDK names a connection reset (ECONNRESET, EPIPE) a TimeoutError, so that it is retried.
    await expectFailedThenRecovered(scenario, outcome, { name: 'TimeoutError', message: 'socket hang up' });
  });

  it('cuts the request body once: the SDK retries and the stored object is whole', async () => {
    const scenario = await setUp('cut-put-once.jpg', { kind: 'cut-request', afterBytes: 1_000 }, putPreview, 1);

    await expectPreviewMade(scenario, await invoke(scenario.sut, scenario.src));
    expect(scenario.seen()).toEqual(['cut-request', 'pass']);
  });

  it('hangs: DependencyDeadlineError at the S3 deadline, nothing stored', async () => {
    const scenario = await setUp('hang-put.jpg', { kind: 'hang' }, putPreview);

    const outcome = await invoke(scenario.sut, scenario.src);

    await expectFailedThenRecovered(scenario, outcome, {
      name: 'DependencyDeadlineError',
      message: expect.stringContaining(`PutObject s3://${BUCKETS.destination}/${previewKey(scenario.src)}`),
    });
  });
});

describe('S3 faults: slow', () => {
  it('answers every call 300 ms late: the preview is made within the function timeout', async () => {
    const either = (srcKey: string): Matcher => (request) =>
      getOriginal(srcKey)(request) || putPreview(srcKey)(request);
    const scenario = await setUp('slow.jpg', { kind: 'delay', ms: 300 }, either);

    await expectPreviewMade(scenario, await invoke(scenario.sut, scenario.src));
    expect(scenario.seen()).toEqual(['delay', 'delay']);
  });
});
