/**
 * The real handler behind the local Lambda endpoint, called through `@preview-lambda/invoker` and the raw
 * SDK: what a proxy developer pointing at `npm run lambda:local` gets.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { ResizeRequest } from '@preview-lambda/contract';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidRequestError,
  type PreviewBytesResult,
  PreviewInvoker,
  type PreviewResult,
} from '@preview-lambda/invoker';
import { makeJpeg, makePng } from '@preview-lambda/fixtures/images';
import { type LambdaHandler, type LambdaServer, startLambdaServer } from '@preview-lambda/local/lambda-server';
import { BUCKETS, type Harness, type HandlerUnderTest, startHarness } from '../support/harness.js';
import { deferred, lambdaClient, payloadJson } from './support.js';
import { previewRequest, uniqueSourceKey } from '../support/requests.js';

const FUNCTION_NAME = 'PreviewFunction';

let harness: Harness;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  harness = await startHarness();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await harness?.stop();
});

interface Endpoint {
  readonly sut: HandlerUnderTest;
  readonly server: LambdaServer;
  /** Lines the server logged, one per invocation. */
  readonly logs: string[];
  /** A new invoker instance (its own Lambda client) pointed at the server, with short in-progress waits. */
  invoker(): PreviewInvoker;
  /** A raw SDK client pointed at the server. */
  client(): LambdaClient;
}

/** Options for {@link endpoint}. */
interface EndpointOptions {
  /** Hold the first `barrier` invocations until that many have arrived, so they reach the handler together. */
  barrier?: number;
}

/** The real handler (fresh idempotency table, counters) served as `PreviewFunction` on a free port. */
async function endpoint(options: EndpointOptions = {}): Promise<Endpoint> {
  const sut = await harness.handler();
  const logs: string[] = [];
  const barrier = options.barrier ?? 0;
  const arrived = deferred();
  let arrivals = 0;
  const handler: LambdaHandler = async (event, context) => {
    arrivals += 1;
    if (arrivals === barrier) arrived.resolve();
    if (arrivals <= barrier) await arrived.promise;
    return sut.handler(event, context);
  };
  const server = await startLambdaServer({
    functions: { [FUNCTION_NAME]: { handler, timeoutMs: 30_000, memoryMb: 1536 } },
    port: 0,
    log: (line) => logs.push(line),
  });
  cleanups.push(() => server.stop());
  return {
    sut,
    server,
    logs,
    invoker() {
      const invoker = new PreviewInvoker({
        functionName: FUNCTION_NAME,
        clientConfig: {
          endpoint: server.url,
          region: 'us-east-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        },
        timeoutMs: 20_000,
        inProgress: { initialDelayMs: 20, maxDelayMs: 100 },
      });
      cleanups.push(() => invoker.destroy());
      return invoker;
    },
    client() {
      const client = lambdaClient(server.url);
      cleanups.push(() => client.destroy());
      return client;
    },
  };
}

/** A unique source key under `photo/`. */
const sourceKey = uniqueSourceKey;
const request = (srcKey: string, overrides?: Partial<Record<keyof ResizeRequest, unknown>>) =>
  previewRequest(BUCKETS, srcKey, overrides);

function expectPreview(result: PreviewResult): asserts result is PreviewBytesResult {
  expect(result.kind).toBe('preview');
}

async function storedBytes(key: string): Promise<Buffer | undefined> {
  return (await harness.getObject(BUCKETS.destination, key))?.bytes;
}

describe('Function: startLambdaServer (real handler, invoker)', () => {
  it('returns a JPEG preview whose bytes equal the object stored in S3', async () => {
    const { invoker } = await endpoint();
    const src = sourceKey('beach.jpg');
    await harness.putSource(src, await makeJpeg({ width: 1600, height: 1200 }), 'image/jpeg');

    const result = await invoker().invoke(request(src));

    expectPreview(result);
    expect(result.key).toBe(`prew/small/${src.slice('photo/'.length)}`);
    expect(result.contentType).toBe('image/jpeg');
    expect(result.bytes.equals((await storedBytes(result.key))!)).toBe(true);
  });

  it('returns a PNG preview whose bytes equal the object stored in S3', async () => {
    const { invoker } = await endpoint();
    const src = sourceKey('logo.png');
    await harness.putSource(src, await makePng({ width: 1200, height: 600, alpha: true }), 'image/png');

    const result = await invoker().invoke(request(src));

    expectPreview(result);
    expect(result.contentType).toBe('image/png');
    expect(result.bytes.equals((await storedBytes(result.key))!)).toBe(true);
  });

  it('answers failed SOURCE_NOT_FOUND when the original does not exist', async () => {
    const { invoker, sut } = await endpoint();

    const result = await invoker().invoke(request(sourceKey('missing.jpg')));

    expect(result).toMatchObject({ kind: 'failed', code: 'SOURCE_NOT_FOUND' });
    expect(sut.puts()).toBe(0);
  });

  it('answers failed NOT_AN_IMAGE when the original is not an image', async () => {
    const { invoker, sut } = await endpoint();
    const src = sourceKey('notes.jpg');
    await harness.putSource(src, Buffer.from('Shopping list: milk, eggs.\n'), 'image/jpeg');

    const result = await invoker().invoke(request(src));

    expect(result).toMatchObject({ kind: 'failed', code: 'NOT_AN_IMAGE' });
    expect(sut.resizes()).toBe(1);
    expect(sut.puts()).toBe(0);
  });

  it('rejects an invalid request before invoking (the endpoint sees no invocation)', async () => {
    const { invoker, server } = await endpoint();

    const attempt = invoker().invoke({ ...request(sourceKey('a.jpg')), width: '1440' });

    await expect(attempt).rejects.toBeInstanceOf(InvalidRequestError);
    expect(server.invocations).toBe(0);
  });

  it('resizes once when 20 separate invokers ask for the same preview at once, and all get the same bytes', async () => {
    const { invoker, sut, server, logs } = await endpoint({ barrier: 20 });
    const src = sourceKey('crowd.jpg');
    await harness.putSource(src, await makeJpeg({ width: 2400, height: 1600 }), 'image/jpeg');
    const invokers = Array.from({ length: 20 }, () => invoker());

    const results = await Promise.all(invokers.map((each) => each.invoke(request(src))));

    expect(sut.resizes()).toBe(1);
    expect(sut.puts()).toBe(1);
    const stored = (await storedBytes(results[0]!.response.key))!;
    for (const result of results) {
      expectPreview(result);
      expect(result.bytes.equals(stored)).toBe(true);
    }
    // The 19 callers that lost the race got IdempotencyAlreadyInProgressError and invoked again.
    expect(results.filter((result) => result.attempts === 1)).toHaveLength(1);
    expect(results.filter((result) => result.attempts > 1)).toHaveLength(19);
    const inProgress = logs.filter((line) => line.includes('Unhandled IdempotencyAlreadyInProgressError'));
    expect(inProgress.length).toBeGreaterThanOrEqual(19);
    expect(server.invocations).toBe(20 + inProgress.length);
  });

  it('makes one invocation for 10 concurrent identical calls on one invoker (single flight)', async () => {
    const { invoker, server, sut } = await endpoint();
    const src = sourceKey('single.jpg');
    await harness.putSource(src, await makeJpeg({ width: 1600, height: 1200 }), 'image/jpeg');
    const shared = invoker();

    const results = await Promise.all(Array.from({ length: 10 }, () => shared.invoke(request(src))));

    expect(server.invocations).toBe(1);
    expect(sut.resizes()).toBe(1);
    expect(new Set(results.map((result) => (result as PreviewBytesResult).bytes.toString('base64'))).size).toBe(1);
  });
});

describe('Function: startLambdaServer (real handler, raw Invoke compatibility)', () => {
  it('answers exactly status, key, content_type, data, error, in that order, for a success', async () => {
    const { client } = await endpoint();
    const src = sourceKey('raw.jpg');
    await harness.putSource(src, await makeJpeg({ width: 800, height: 600 }), 'image/jpeg');

    const output = await client().send(
      new InvokeCommand({ FunctionName: FUNCTION_NAME, Payload: Buffer.from(JSON.stringify(request(src))) }),
    );

    expect(output.StatusCode).toBe(200);
    expect(output.FunctionError).toBeUndefined();
    const body = payloadJson(output.Payload) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['status', 'key', 'content_type', 'data', 'error']);
    expect(body).toMatchObject({ status: true, content_type: 'image/jpeg', error: '' });
  });

  it('answers those keys plus code, in that order, for a failure', async () => {
    const { client } = await endpoint();

    const output = await client().send(
      new InvokeCommand({
        FunctionName: FUNCTION_NAME,
        Payload: Buffer.from(JSON.stringify(request(sourceKey('absent.jpg')))),
      }),
    );

    const body = payloadJson(output.Payload) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['status', 'key', 'content_type', 'data', 'error', 'code']);
    expect(body).toMatchObject({ status: false, key: '', content_type: '', data: '', code: 'SOURCE_NOT_FOUND' });
  });
});
