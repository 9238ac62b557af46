/**
 * DynamoDB faults between the real function (production client settings: 2 attempts of at most 300 ms to
 * connect and 500 ms to answer; only the endpoint points at a fault proxy) and the DynamoDB emulator. A
 * DynamoDB that cannot keep the idempotency record makes the function fail open: the preview is made
 * without deduplication, with a warning, in about a second rather than at the function timeout (10 s here,
 * the production default).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { FUNCTION_TIMEOUT_SECONDS } from '@preview-lambda/contract';
import { afterAll, afterEach, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import { makeJpeg } from '@preview-lambda/fixtures/images';
import { dynamodbOperation, type Fault, type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { BUCKETS, type Harness, startHarness } from '../support/harness.js';
import { uniqueSourceKey } from '../support/requests.js';
import {
  expectNextSucceeds,
  expectPreviewMade,
  FAULT_FUNCTION_TIMEOUT_MS,
  type HandlerScenario,
  invoke,
  previewKey,
} from './support.js';

/** The production function timeout, in ms. */
const FUNCTION_TIMEOUT_MS = FUNCTION_TIMEOUT_SECONDS * 1000;

/** Upper bound of a fail-open invocation: DynamoDB's budget (2 × 500 ms and a back-off) and the preview. */
const FAIL_OPEN_BOUND_MS = 3_000;

let harness: Harness;
let dynamodb: FaultProxy;
let original: Buffer;

beforeAll(async () => {
  harness = await startHarness();
  dynamodb = await startFaultProxy(harness.emulators.dynamodbEndpoint);
  original = await makeJpeg({ width: 640, height: 480 });
});

afterEach(() => dynamodb.clear());

afterAll(async () => {
  await dynamodb?.close();
  await harness?.stop();
});

/** A function whose DynamoDB client goes through the fault proxy, its warnings, and a fresh original. */
async function setUp(name: string): Promise<HandlerScenario & { warn: MockInstance }> {
  const sut = await harness.handler({ endpoints: { dynamodb: dynamodb.url } });
  const src = uniqueSourceKey(name);
  await harness.putSource(src, original, 'image/jpeg');
  return { harness, sut, src, faults: dynamodb, warn: vi.spyOn(sut.logger, 'warn') };
}

/** The DynamoDB operations the fault proxy saw since `from`, with the fault applied to each. */
function operationsSince(from: number): string[] {
  return dynamodb.requests
    .slice(from)
    .map((request) => `${String(request.headers['x-amz-target']).replace('DynamoDB_20120810.', '')} ${request.fault}`);
}

/** A DynamoDB error answer (JSON protocol 1.0). */
const INTERNAL_SERVER_ERROR: Fault = {
  kind: 'status',
  status: 500,
  headers: { 'Content-Type': 'application/x-amz-json-1.0' },
  body: JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'injected' }),
};

describe('DynamoDB faults: the function fails open', () => {
  it.each<[string, Fault]>([
    ['hangs', { kind: 'hang' }],
    ['answers 500 to every attempt', INTERNAL_SERVER_ERROR],
    ['drops every connection', { kind: 'drop' }],
    ['cuts the request body of every attempt', { kind: 'cut-request', afterBytes: 20 }],
  ])('%s: the preview is made without deduplication in about a second, not at the 10 s timeout', async (_, fault) => {
    const scenario = await setUp(`${fault.kind}.jpg`);
    const { sut, src, warn } = scenario;
    dynamodb.inject(fault);
    const from = dynamodb.requests.length;

    const outcome = await invoke(sut, src, FUNCTION_TIMEOUT_MS);

    expect(outcome.value).toMatchObject({ status: true, key: previewKey(src), content_type: 'image/jpeg' });
    expect(outcome.ms).toBeLessThan(FAIL_OPEN_BOUND_MS);
    expect(operationsSince(from)).toEqual([`PutItem ${fault.kind}`, `PutItem ${fault.kind}`]);
    expect(warn).toHaveBeenCalledWith(
      'Idempotency store unreachable; generating without deduplication',
      expect.anything(),
    );
    const stored = await harness.getObject(BUCKETS.destination, previewKey(src));
    expect(stored?.bytes.equals(Buffer.from(outcome.value!.data, 'base64'))).toBe(true);
    expect(await harness.records(sut.tableName)).toEqual([]);
    expect([sut.resizes(), sut.puts()]).toEqual([1, 1]);
    await expectNextSucceeds(scenario);
  });
});

describe('DynamoDB faults: retried or absorbed, deduplication kept', () => {
  it('answers 500 once, then drops a connection once: the SDK retries both and the record completes', async () => {
    const scenario = await setUp('retried.jpg');
    dynamodb.inject(INTERNAL_SERVER_ERROR, { times: 1 });
    dynamodb.inject({ kind: 'drop' }, { match: dynamodbOperation('UpdateItem'), times: 1 });
    const from = dynamodb.requests.length;

    await expectPreviewMade(scenario, await invoke(scenario.sut, scenario.src, FUNCTION_TIMEOUT_MS));
    expect(operationsSince(from)).toEqual(['PutItem status', 'PutItem pass', 'UpdateItem drop', 'UpdateItem pass']);
    expect(scenario.warn).not.toHaveBeenCalled();
  });

  it('answers every call 200 ms late (within its 500 ms budget): the record completes', async () => {
    const scenario = await setUp('slow.jpg');
    dynamodb.inject({ kind: 'delay', ms: 200 });

    await expectPreviewMade(scenario, await invoke(scenario.sut, scenario.src, FUNCTION_TIMEOUT_MS));
    expect(scenario.warn).not.toHaveBeenCalled();
  });
});

describe('DynamoDB faults: after the record is in progress', () => {
  it('hangs while completing the record: preview answered, the record expires at the deadline', async () => {
    const scenario = await setUp('hang-complete.jpg');
    const { sut, src, warn } = scenario;
    dynamodb.inject({ kind: 'hang' }, { match: dynamodbOperation('UpdateItem') });

    const outcome = await invoke(sut, src, FAULT_FUNCTION_TIMEOUT_MS);

    expect(outcome.value).toMatchObject({ status: true, key: previewKey(src) });
    expect(outcome.ms).toBeLessThan(FAULT_FUNCTION_TIMEOUT_MS);
    expect(warn).toHaveBeenCalledWith(
      'Idempotency record could not be completed; the preview was generated',
      expect.anything(),
    );
    const stored = await harness.getObject(BUCKETS.destination, previewKey(src));
    expect(stored?.bytes.equals(Buffer.from(outcome.value!.data, 'base64'))).toBe(true);
    // Left in progress, with the invocation's deadline as its expiry: a duplicate waits at most that long.
    const [record] = await harness.records(sut.tableName);
    expect(record).toMatchObject({ status: { S: 'INPROGRESS' } });
    const expiry = Number((record!.in_progress_expiration as { N: string }).N);
    expect(expiry - Date.now()).toBeLessThan(FAULT_FUNCTION_TIMEOUT_MS);
    dynamodb.clear();
    await expect(invoke(sut, src).then((next) => next.error)).resolves.toMatchObject({
      name: 'IdempotencyAlreadyInProgressError',
    });

    await sleep(expiry - Date.now() + 50);
    await expectNextSucceeds(scenario);
    expect(sut.resizes()).toBe(2);
  });
});
