/**
 * The proxy with its real collaborators: the published `PreviewInvoker` against a fake Lambda Invoke API
 * endpoint, and `S3PreviewReader` against the embedded S3 emulator.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PreviewInvoker, type PreviewResult } from '@preview-lambda/invoker';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '@preview-lambda/local/emulators';
import { md5Etag } from '@preview-lambda/proxy/images';
import { S3PreviewReader } from '@preview-lambda/proxy/s3';
import { answer, FakeLambda, functionError, inProgress } from '../invoker/fake-lambda.js';
import { FakeInvoker, send, startProxy, storedResult, type TestProxy } from './support.js';

const PREVIEW = Buffer.from('not really a jpeg, but bytes all the same');

const running: TestProxy[] = [];
const invokers: PreviewInvoker[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((proxy) => proxy.proxy.close()));
  for (const invoker of invokers.splice(0)) invoker.destroy();
});

describe('Function: createProxyServer with the real PreviewInvoker', () => {
  let lambda: FakeLambda;

  beforeAll(async () => {
    lambda = await FakeLambda.start();
  });
  afterAll(async () => {
    await lambda.close();
  });
  afterEach(() => lambda.reset());

  async function proxyWithRealInvoker(): Promise<TestProxy> {
    const invoker = new PreviewInvoker({
      functionName: 'PreviewFunction',
      timeoutMs: 5_000,
      inProgress: { initialDelayMs: 10, maxDelayMs: 20 },
      clientConfig: {
        endpoint: lambda.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      },
    });
    invokers.push(invoker);
    const proxy = await startProxy({ invoker });
    running.push(proxy);
    return proxy;
  }

  const success = {
    status: true,
    key: 'prew/small/same.jpg',
    content_type: 'image/jpeg',
    data: PREVIEW.toString('base64'),
    error: '',
  };

  it('makes exactly one invocation for 10 concurrent identical requests', async () => {
    lambda.enqueue({ ...answer(success), delayMs: 300 });
    const proxy = await proxyWithRealInvoker();
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => send(proxy.port, '/prew/small/same.jpg')),
    );
    for (const response of responses) {
      expect(response.status).toBe(200);
      expect(response.body.equals(PREVIEW)).toBe(true);
      expect(response.headers.etag).toBe(md5Etag(PREVIEW));
    }
    expect(lambda.requests).toHaveLength(1);
    expect(lambda.requests[0]!.functionName).toBe('PreviewFunction');
    expect(lambda.payload(0)).toEqual({
      src_key: 'photo/same.jpg',
      src_bucket: 'originals-bucket',
      dst_bucket: 'previews-bucket',
      root_folder: 'prew',
      preset_name: 'small',
      rewrite_part: 'photo',
      width: 320,
    });
  });

  it('invokes separately for different presets of the same original', async () => {
    lambda.otherwise({ ...answer(success), delayMs: 100 });
    const proxy = await proxyWithRealInvoker();
    await Promise.all([
      send(proxy.port, '/prew/small/same.jpg'),
      send(proxy.port, '/prew/small/same.jpg'),
      send(proxy.port, '/prew/large/same.jpg'),
    ]);
    expect(lambda.requests).toHaveLength(2);
  });

  it('waits on an in-progress duplicate and serves its result', async () => {
    lambda.enqueue(inProgress(), inProgress(), answer(success));
    const proxy = await proxyWithRealInvoker();
    const response = await send(proxy.port, '/prew/small/same.jpg', { headers: { 'X-Request-Id': 'waited' } });
    expect(response.status).toBe(200);
    expect(lambda.requests).toHaveLength(3);
    await accessLineWritten(proxy, 'waited');
    expect(proxy.accessLogs().find((line) => line.reqId === 'waited')).toMatchObject({ attempts: 3 });
  });

  it('answers 404 to the Go function error for a missing original (status: false)', async () => {
    lambda.enqueue(
      answer({ status: false, key: '', content_type: '', data: '', error: 'File photo/x.jpg not exists in b' }),
    );
    const proxy = await proxyWithRealInvoker();
    const response = await send(proxy.port, '/prew/small/x.jpg');
    expect(response.status).toBe(404);
    expect(response.headers['x-preview-error']).toBe('SOURCE_NOT_FOUND');
  });

  it('answers 502 to a function error', async () => {
    lambda.enqueue(functionError({ errorType: 'Error', errorMessage: 'S3 is down', trace: [] }));
    const proxy = await proxyWithRealInvoker();
    const response = await send(proxy.port, '/prew/small/x.jpg');
    expect(response.status).toBe(502);
    expect(response.headers['x-preview-error']).toBe('FUNCTION_ERROR');
  });
});

describe('Function: createProxyServer with S3PreviewReader over the S3 emulator', () => {
  let emulators: Emulators;
  let s3: S3Client;
  const bucket = 'previews-bucket';

  beforeAll(async () => {
    emulators = await startEmulators();
    await emulators.createBucket(bucket);
    s3 = new S3Client(emulators.s3Config());
  });
  afterAll(async () => {
    s3?.destroy();
    await emulators?.stop();
  });

  async function proxyWith(result: () => PreviewResult): Promise<TestProxy> {
    const proxy = await startProxy({
      invoker: new FakeInvoker(async () => result()),
      storage: new S3PreviewReader({ client: s3 }),
    });
    running.push(proxy);
    return proxy;
  }

  it('streams a stored preview with the ETag S3 gives and the one the proxy computes agreeing', async () => {
    const bytes = Buffer.alloc(256 * 1024, 7);
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'prew/large/big.jpg', Body: bytes, ContentType: 'image/jpeg' }),
    );
    const proxy = await proxyWith(() => storedResult('prew/large/big.jpg'));
    const response = await send(proxy.port, '/prew/large/big.jpg');
    expect(response.status).toBe(200);
    expect(response.body.equals(bytes)).toBe(true);
    expect(response.headers['content-length']).toBe(String(bytes.byteLength));
    expect(response.headers['content-type']).toBe('image/jpeg');
    expect(response.headers.etag).toBe(md5Etag(bytes));

    const head = await send(proxy.port, '/prew/large/big.jpg', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.byteLength).toBe(0);
    expect(head.headers['content-length']).toBe(String(bytes.byteLength));
    expect(head.headers.etag).toBe(md5Etag(bytes));
  });

  it('answers 502 when the stored preview is not in the bucket', async () => {
    const proxy = await proxyWith(() => storedResult('prew/large/nowhere.jpg'));
    const response = await send(proxy.port, '/prew/large/nowhere.jpg');
    expect(response.status).toBe(502);
    expect(response.headers['x-preview-error']).toBe('STORED_PREVIEW_MISSING');
    const head = await send(proxy.port, '/prew/large/nowhere.jpg', { method: 'HEAD' });
    expect(head.status).toBe(502);
  });

  it('answers 502 when the bucket does not exist', async () => {
    const reader = new S3PreviewReader({ client: s3 });
    await expect(reader.open('no-such-bucket', 'k', { signal: new AbortController().signal })).rejects.toMatchObject({
      code: 'STORAGE_FAILED',
      errorName: 'NoSuchBucket',
    });
  });
});

async function accessLineWritten(proxy: TestProxy, reqId: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!proxy.accessLogs().some((line) => line.reqId === reqId)) {
    if (Date.now() > deadline) throw new Error(`No access-log line for ${reqId}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
