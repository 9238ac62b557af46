/**
 * Lambda faults between the preview proxy (its real `PreviewInvoker`) and the local Lambda endpoint serving
 * the real function over the emulators. The function timeout is 3 s and the proxy's deadlines derive from
 * it as the defaults do (`contract/deadlines.ts`): invoke 8 s, request 11 s. Every scenario asserts the
 * proxy's answer, that it came before the proxy's own request deadline, what is stored, and that the next
 * request gets its preview.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg } from '@preview-lambda/fixtures/images';
import { type LambdaServer, startLambdaServer } from '@preview-lambda/local/lambda-server';
import { FUNCTION_NAME } from '@preview-lambda/local/preview-function';
import { send } from '../proxy/support.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { BUCKETS, type HandlerUnderTest, type Harness, startHarness } from '../support/harness.js';
import { uniqueSourceKey } from '../support/requests.js';
import {
  FAULT_FUNCTION_TIMEOUT_MS,
  previewKey,
  previewPath,
  proxyDeadlines,
  startPreviewProxy,
  timed,
} from './support.js';

const { invokeTimeoutMs, requestTimeoutMs } = proxyDeadlines(FAULT_FUNCTION_TIMEOUT_MS);

let harness: Harness;
let original: Buffer;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  harness = await startHarness();
  original = await makeJpeg({ width: 640, height: 480 });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await harness?.stop();
});

/** The pieces of one scenario: proxy → fault proxy → Lambda endpoint → the function. */
interface Chain {
  readonly sut: HandlerUnderTest;
  readonly lambda: LambdaServer;
  readonly faults: FaultProxy;
  readonly src: string;
  /** One request for the preview of `src` through the proxy, timed. */
  request(): ReturnType<typeof timed<Awaited<ReturnType<typeof send>>>>;
}

async function chain(name: string): Promise<Chain> {
  const sut = await harness.handler();
  const lambda = await startLambdaServer({
    functions: { [FUNCTION_NAME]: { handler: sut.handler, timeoutMs: FAULT_FUNCTION_TIMEOUT_MS, memoryMb: 1536 } },
    port: 0,
    log: () => undefined,
  });
  cleanups.push(() => lambda.stop());
  const faults = await startFaultProxy(lambda.url);
  cleanups.push(() => faults.close());
  const proxy = await startPreviewProxy(harness, faults.url);
  cleanups.push(() => proxy.close());
  const src = uniqueSourceKey(name);
  await harness.putSource(src, original, 'image/jpeg');
  return { sut, lambda, faults, src, request: () => timed(send(proxy.port, previewPath(src))) };
}

/** The answer is the preview stored in S3, whole, made by exactly one resize. */
async function expectPreviewServed(
  { sut, src }: Chain,
  answer: Awaited<ReturnType<Chain['request']>>,
): Promise<void> {
  expect(answer.error).toBeUndefined();
  expect(answer.value?.status).toBe(200);
  expect(answer.value?.headers['content-type']).toBe('image/jpeg');
  expect(answer.ms).toBeLessThan(requestTimeoutMs);
  const stored = await harness.getObject(BUCKETS.destination, previewKey(src));
  expect(stored?.bytes.equals(answer.value!.body)).toBe(true);
  expect([sut.resizes(), sut.puts()]).toEqual([1, 1]);
}

/** The proxy answered `status` with `code` before its request deadline; no record, no preview stored. */
async function expectFailure(
  { sut, src }: Chain,
  answer: Awaited<ReturnType<Chain['request']>>,
  status: number,
  code: string,
): Promise<void> {
  expect(answer.value?.status).toBe(status);
  expect(answer.value?.headers['x-preview-error']).toBe(code);
  expect(answer.ms).toBeLessThan(requestTimeoutMs);
  expect(await harness.getObject(BUCKETS.destination, previewKey(src))).toBeUndefined();
  expect(await harness.records(sut.tableName)).toEqual([]);
}

/** A Lambda service error answer (`x-amzn-ErrorType`, JSON body), as the Invoke API sends it. */
const lambdaError = (status: number, type: string) => ({
  kind: 'status' as const,
  status,
  headers: { 'Content-Type': 'application/json', 'x-amzn-ErrorType': type },
  body: JSON.stringify({ Type: 'Service', message: 'injected' }),
});

describe('Lambda faults: the Invoke call', () => {
  it(`hangs: the proxy answers 504 at its invoke deadline (${invokeTimeoutMs} ms), before its own`, async () => {
    const scenario = await chain('hang.jpg');
    scenario.faults.inject({ kind: 'hang' });

    const answer = await scenario.request();

    await expectFailure(scenario, answer, 504, 'DEADLINE_EXCEEDED');
    expect(scenario.lambda.invocations).toBe(0);
    scenario.faults.clear();
    await expectPreviewServed(scenario, await scenario.request());
  });

  it('answers 500 once: the SDK retries and the preview is served', async () => {
    const scenario = await chain('500-once.jpg');
    scenario.faults.inject(lambdaError(500, 'ServiceException'), { times: 1 });

    await expectPreviewServed(scenario, await scenario.request());
    expect(scenario.faults.requests.map((request) => request.fault)).toEqual(['status', 'pass']);
  });

  it('answers 503 to every attempt: 502 INVOKE_FAILED after 3 attempts, nothing invoked', async () => {
    const scenario = await chain('503-always.jpg');
    scenario.faults.inject(lambdaError(503, 'ServiceUnavailableException'));

    const answer = await scenario.request();

    await expectFailure(scenario, answer, 502, 'INVOKE_FAILED');
    expect(scenario.faults.requests.map((request) => request.fault)).toEqual(['status', 'status', 'status']);
    expect(scenario.lambda.invocations).toBe(0);
    scenario.faults.clear();
    await expectPreviewServed(scenario, await scenario.request());
  });

  it('drops the connection before the function runs, once: retried, the preview is served', async () => {
    const scenario = await chain('drop-once.jpg');
    scenario.faults.inject({ kind: 'drop' }, { times: 1 });

    await expectPreviewServed(scenario, await scenario.request());
    expect(scenario.lambda.invocations).toBe(1);
  });

  it('drops the connection after the function ran, once: the retry replays its record, one resize', async () => {
    const scenario = await chain('drop-after.jpg');
    scenario.faults.inject({ kind: 'drop', afterForwarding: true }, { times: 1 });

    await expectPreviewServed(scenario, await scenario.request());
    expect(scenario.lambda.invocations).toBe(2);
  });

  it('cuts the request body once: the endpoint runs nothing for it, the retry serves the preview', async () => {
    const scenario = await chain('cut-request.jpg');
    scenario.faults.inject({ kind: 'cut-request', afterBytes: 20 }, { times: 1 });

    await expectPreviewServed(scenario, await scenario.request());
    expect(scenario.lambda.invocations).toBe(1);
  });

  it('cuts the answer mid-way once: the retry replays the record, one resize', async () => {
    const scenario = await chain('cut-response.jpg');
    scenario.faults.inject({ kind: 'cut-response', afterBytes: 1_000 }, { times: 1 });

    await expectPreviewServed(scenario, await scenario.request());
    expect(scenario.lambda.invocations).toBe(2);
  });

  it('answers 1 s late: the preview is served', async () => {
    const scenario = await chain('slow.jpg');
    scenario.faults.inject({ kind: 'delay', ms: 1_000 });

    await expectPreviewServed(scenario, await scenario.request());
  });
});
