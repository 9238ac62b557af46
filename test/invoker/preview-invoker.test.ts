import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ConfigurationError,
  DeadlineExceededError,
  FunctionError,
  InvalidRequestError,
  InvalidResponseError,
  InvocationAbortedError,
  InvokeFailedError,
  InvokerError,
  PreviewInvoker,
  type PreviewInvokerBaseOptions,
  type PreviewResult,
  type ResizeRequest,
} from '@preview-lambda/invoker';
import { answer, FakeLambda, functionError, inProgress, notFound, throttled } from './fake-lambda.js';
import { GO_EXAMPLE_REQUEST } from '../support/requests.js';

const FUNCTION_NAME = 'preview-function';
const PREVIEW_BYTES = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0xff]);

const request: ResizeRequest = GO_EXAMPLE_REQUEST;

const success = {
  status: true,
  key: 'prew/small/some/file.jpg',
  content_type: 'image/jpeg',
  data: PREVIEW_BYTES.toString('base64'),
  error: '',
};

let fake: FakeLambda;
const invokers: PreviewInvoker[] = [];

// A fresh fake per test: a request abandoned at the end of one test must not consume the next one's script.
beforeEach(async () => {
  fake = await FakeLambda.start();
});

afterEach(async () => {
  for (const invoker of invokers.splice(0)) invoker.destroy();
  await fake.close();
});

function clientConfig() {
  return {
    endpoint: fake.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  };
}

/** An invoker pointed at the fake, with short in-progress waits. */
function invokerFor(options: Partial<PreviewInvokerBaseOptions> = {}): PreviewInvoker {
  const invoker = new PreviewInvoker({
    functionName: FUNCTION_NAME,
    clientConfig: clientConfig(),
    inProgress: { initialDelayMs: 20, maxDelayMs: 100 },
    ...options,
  });
  invokers.push(invoker);
  return invoker;
}

/** Awaits a rejection and returns the error, failing when `promise` resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('Expected a rejection, but the promise resolved');
}

function expectKind<K extends PreviewResult['kind']>(
  result: PreviewResult,
  kind: K,
): Extract<PreviewResult, { kind: K }> {
  expect(result.kind).toBe(kind);
  return result as Extract<PreviewResult, { kind: K }>;
}

describe('Class: PreviewInvoker', () => {
  describe('results', () => {
    it('returns the preview with bytes decoded from exactly the base64 data', async () => {
      fake.enqueue(answer(success));

      const result = expectKind(await invokerFor().invoke(request), 'preview');

      expect(result.key).toBe('prew/small/some/file.jpg');
      expect(result.contentType).toBe('image/jpeg');
      expect(Buffer.isBuffer(result.bytes)).toBe(true);
      expect(result.bytes.equals(PREVIEW_BYTES)).toBe(true);
      expect(result.response).toEqual(success);
      expect(result.attempts).toBe(1);
      expect(result).not.toHaveProperty('logTail');
    });

    it('sends the validated request, unknown fields stripped, as a RequestResponse invocation', async () => {
      fake.enqueue(answer(success));

      await invokerFor().invoke({ ...request, extra: 'dropped' });

      expect(fake.requests).toHaveLength(1);
      const [sent] = fake.requests;
      expect(sent?.method).toBe('POST');
      expect(sent?.functionName).toBe(FUNCTION_NAME);
      expect(sent?.qualifier).toBeNull();
      expect(sent?.headers['x-amz-invocation-type']).toBe('RequestResponse');
      expect(sent?.headers['x-amz-log-type']).toBeUndefined();
      expect(fake.payload(0)).toEqual(request);
    });

    it('returns stored when the function left data empty for a preview too large to inline', async () => {
      const stored = { ...success, data: '' };
      fake.enqueue(answer(stored));

      const result = expectKind(await invokerFor().invoke(request), 'stored');

      expect(result).toEqual({
        kind: 'stored',
        key: 'prew/small/some/file.jpg',
        contentType: 'image/jpeg',
        response: stored,
        attempts: 1,
      });
    });

    it('returns failed with the code and message of a permanent failure', async () => {
      const failure = {
        status: false,
        key: '',
        content_type: '',
        data: '',
        error: 'File photo/some/file.jpg not exists in bucket.mydomain',
        code: 'SOURCE_NOT_FOUND',
      };
      fake.enqueue(answer(failure));

      const result = expectKind(await invokerFor().invoke(request), 'failed');

      expect(result.code).toBe('SOURCE_NOT_FOUND');
      expect(result.message).toBe('File photo/some/file.jpg not exists in bucket.mydomain');
      expect(result.response).toEqual(failure);
    });

    it('returns failed with SOURCE_NOT_FOUND when a Go-era failure has no code', async () => {
      const failure = { status: false, key: '', content_type: '', data: '', error: 'File x not exists in y' };
      fake.enqueue(answer(failure));

      const result = expectKind(await invokerFor().invoke(request), 'failed');

      expect(result.code).toBe('SOURCE_NOT_FOUND');
      expect(result.message).toBe('File x not exists in y');
      expect(result.response.code).toBeUndefined();
    });

    it("returns failed with NOT_AN_IMAGE for the Go function's empty success on a non-image", async () => {
      fake.enqueue(answer({ status: true, key: '', content_type: '', data: '', error: '' }));

      const result = expectKind(await invokerFor().invoke(request), 'failed');

      expect(result.code).toBe('NOT_AN_IMAGE');
      expect(result.message).not.toBe('');
    });
  });

  describe('request validation', () => {
    it('throws InvalidRequestError listing every problem before invoking anything', async () => {
      const error = await rejection(invokerFor().invoke({ ...request, width: '1440', src_bucket: 'Bad_Bucket' }));

      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(error).toBeInstanceOf(InvokerError);
      const invalid = error as InvalidRequestError;
      expect(invalid.code).toBe('INVALID_REQUEST');
      expect(invalid.issues).toHaveLength(2);
      expect(invalid.issues.join('\n')).toContain('Expected positive integer for width but received "1440"');
      expect(invalid.cause).toBeInstanceOf(Error);
      expect(fake.requests).toHaveLength(0);
    });

    it('throws InvalidRequestError for a request that is not an object', async () => {
      const error = await rejection(invokerFor().invoke('photo/some/file.jpg'));

      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(fake.requests).toHaveLength(0);
    });
  });

  describe('transport and function errors', () => {
    it('retries throttling through the SDK and then returns the preview', async () => {
      fake.enqueue(throttled(), answer(success));

      const result = expectKind(await invokerFor().invoke(request), 'preview');

      expect(result.bytes.equals(PREVIEW_BYTES)).toBe(true);
      expect(result.attempts).toBe(1);
      expect(fake.requests).toHaveLength(2);
    });

    it('throws InvokeFailedError with the SDK error name and status when the function does not exist', async () => {
      fake.enqueue(notFound(FUNCTION_NAME));

      const error = await rejection(invokerFor().invoke(request));

      expect(error).toBeInstanceOf(InvokeFailedError);
      const failed = error as InvokeFailedError;
      expect(failed.code).toBe('INVOKE_FAILED');
      expect(failed.errorName).toBe('ResourceNotFoundException');
      expect(failed.httpStatusCode).toBe(404);
      expect(failed.functionName).toBe(FUNCTION_NAME);
      expect(failed.cause).toMatchObject({ name: 'ResourceNotFoundException' });
      expect(failed.message).toContain('Function not found');
      expect(fake.requests).toHaveLength(1);
    });

    it('throws InvokeFailedError when throttling outlasts the SDK retries', async () => {
      fake.otherwise(throttled());

      const error = await rejection(invokerFor({ timeoutMs: 10_000 }).invoke(request));

      expect(error).toBeInstanceOf(InvokeFailedError);
      expect((error as InvokeFailedError).errorName).toBe('TooManyRequestsException');
      expect((error as InvokeFailedError).httpStatusCode).toBe(429);
      expect(fake.requests).toHaveLength(3);
    });

    it('passes maxAttempts of clientConfig to the SDK', async () => {
      fake.otherwise(throttled());
      const invoker = new PreviewInvoker({
        functionName: FUNCTION_NAME,
        clientConfig: { ...clientConfig(), maxAttempts: 1 },
      });
      invokers.push(invoker);

      const error = await rejection(invoker.invoke(request));

      expect(error).toBeInstanceOf(InvokeFailedError);
      expect(fake.requests).toHaveLength(1);
    });

    it('throws FunctionError carrying errorType, errorMessage and trace of an unhandled error', async () => {
      fake.enqueue(functionError({ errorType: 'Error', errorMessage: 'boom', trace: ['Error: boom', '  at x'] }));

      const error = await rejection(invokerFor().invoke(request));

      expect(error).toBeInstanceOf(FunctionError);
      const failed = error as FunctionError;
      expect(failed.code).toBe('FUNCTION_ERROR');
      expect(failed.functionError).toBe('Unhandled');
      expect(failed.errorType).toBe('Error');
      expect(failed.errorMessage).toBe('boom');
      expect(failed.trace).toEqual(['Error: boom', '  at x']);
      expect(fake.requests).toHaveLength(1);
    });

    it('throws FunctionError for a runtime failure whose payload has no errorType', async () => {
      fake.enqueue(functionError({ errorMessage: 'Task timed out after 30.03 seconds' }));

      const error = (await rejection(invokerFor().invoke(request))) as FunctionError;

      expect(error).toBeInstanceOf(FunctionError);
      expect(error.errorType).toBe('Unknown');
      expect(error.errorMessage).toBe('Task timed out after 30.03 seconds');
      expect(error.trace).toEqual([]);
    });

    it('throws InvalidResponseError for a payload that is not JSON', async () => {
      fake.enqueue(answer('{"status":true,'));

      const error = await rejection(invokerFor().invoke(request));

      expect(error).toBeInstanceOf(InvalidResponseError);
      expect((error as InvalidResponseError).code).toBe('INVALID_RESPONSE');
      expect((error as InvalidResponseError).issues[0]).toMatch(/^Expected JSON but received/);
    });

    it('throws InvalidResponseError for an empty payload', async () => {
      fake.enqueue(answer(''));

      expect(await rejection(invokerFor().invoke(request))).toBeInstanceOf(InvalidResponseError);
    });

    it('throws InvalidResponseError naming the field when the payload breaks the contract', async () => {
      fake.enqueue(answer({ ...success, status: 'yes' }));

      const error = await rejection(invokerFor().invoke(request));

      expect(error).toBeInstanceOf(InvalidResponseError);
      expect((error as InvalidResponseError).issues).toEqual([
        'Expected boolean for status but received "yes" (string)',
      ]);
    });
  });

  describe('in-progress executions and the deadline', () => {
    it('waits with backoff and invokes again while another execution is in progress', async () => {
      fake.enqueue(inProgress(), inProgress(), answer(success));

      const result = expectKind(await invokerFor().invoke(request), 'preview');

      expect(result.bytes.equals(PREVIEW_BYTES)).toBe(true);
      expect(result.attempts).toBe(3);
      expect(fake.requests).toHaveLength(3);
      expect(fake.payload(2)).toEqual(request);
    });

    it('throws DeadlineExceededError on time when the execution stays in progress', async () => {
      fake.otherwise(inProgress());
      const invoker = invokerFor({ timeoutMs: 1_500, inProgress: { initialDelayMs: 50, maxDelayMs: 200 } });

      const started = performance.now();
      const error = await rejection(invoker.invoke(request));
      const elapsed = performance.now() - started;

      expect(error).toBeInstanceOf(DeadlineExceededError);
      const deadline = error as DeadlineExceededError;
      expect(deadline.code).toBe('DEADLINE_EXCEEDED');
      expect(deadline.timeoutMs).toBe(1_500);
      expect(deadline.inProgress).toBe(true);
      expect(deadline.attempts).toBeGreaterThan(1);
      // The last invocation may be cut off by the deadline before the fake has read it.
      expect(deadline.attempts - fake.requests.length).toBeGreaterThanOrEqual(0);
      expect(deadline.attempts - fake.requests.length).toBeLessThanOrEqual(1);
      expect(deadline.elapsedMs).toBeGreaterThanOrEqual(1_400);
      expect(elapsed).toBeGreaterThanOrEqual(1_400);
      expect(elapsed).toBeLessThan(2_500);
    });

    it('throws DeadlineExceededError when the function does not answer in time', async () => {
      fake.enqueue({ ...answer(success), delayMs: 3_000 });

      const started = performance.now();
      const error = await rejection(invokerFor({ timeoutMs: 500 }).invoke(request));
      const elapsed = performance.now() - started;

      expect(error).toBeInstanceOf(DeadlineExceededError);
      expect((error as DeadlineExceededError).inProgress).toBe(false);
      expect((error as DeadlineExceededError).attempts).toBe(1);
      expect(elapsed).toBeGreaterThanOrEqual(450);
      expect(elapsed).toBeLessThan(1_500);
    });
  });

  describe('single-flight', () => {
    it('shares one invocation between 10 concurrent identical calls', async () => {
      fake.enqueue({ ...answer(success), delayMs: 100 });
      const invoker = invokerFor();

      const results = await Promise.all(Array.from({ length: 10 }, () => invoker.invoke(request)));

      expect(fake.requests).toHaveLength(1);
      for (const result of results) {
        expect(expectKind(result, 'preview').bytes.equals(PREVIEW_BYTES)).toBe(true);
      }
      expect(invoker.inFlight).toBe(0);
    });

    it('coalesces requests that differ only in key order and unknown fields', async () => {
      fake.enqueue({ ...answer(success), delayMs: 50 });
      const invoker = invokerFor();
      const reordered = Object.fromEntries(Object.entries(request).reverse());

      await Promise.all([invoker.invoke(request), invoker.invoke({ ...reordered, unknown: 1 })]);

      expect(fake.requests).toHaveLength(1);
    });

    it('does not coalesce different requests', async () => {
      fake.otherwise({ ...answer(success), delayMs: 50 });
      const invoker = invokerFor();

      await Promise.all([
        invoker.invoke(request),
        invoker.invoke({ ...request, width: 320 }),
        invoker.invoke({ ...request, preset_name: 'large' }),
      ]);

      expect(fake.requests).toHaveLength(3);
      expect(fake.requests.map((_, index) => (fake.payload(index) as ResizeRequest).width).sort((a, b) => a - b)).toEqual([
        320, 1440, 1440,
      ]);
    });

    it('forgets a settled invocation, so the next identical call invokes again', async () => {
      fake.otherwise(answer(success));
      const invoker = invokerFor();

      await invoker.invoke(request);
      expect(invoker.inFlight).toBe(0);
      await invoker.invoke(request);

      expect(fake.requests).toHaveLength(2);
    });

    it('shares a failure with every caller and forgets it', async () => {
      fake.enqueue({ ...functionError({ errorType: 'Error', errorMessage: 'boom' }), delayMs: 50 });
      const invoker = invokerFor();

      const errors = await Promise.all([rejection(invoker.invoke(request)), rejection(invoker.invoke(request))]);

      expect(errors[0]).toBeInstanceOf(FunctionError);
      expect(errors[1]).toBe(errors[0]);
      expect(invoker.inFlight).toBe(0);
    });

    it("aborts only the caller whose signal aborts, and the others still get the result", async () => {
      fake.enqueue({ ...answer(success), delayMs: 200 });
      const invoker = invokerFor();
      const controller = new AbortController();

      const aborted = rejection(invoker.invoke(request, { signal: controller.signal }));
      const kept = invoker.invoke(request);
      setTimeout(() => controller.abort(new Error('client went away')), 20);

      const error = await aborted;
      expect(error).toBeInstanceOf(InvocationAbortedError);
      expect((error as InvocationAbortedError).code).toBe('ABORTED');
      expect((error as InvocationAbortedError).cause).toEqual(new Error('client went away'));
      expect(expectKind(await kept, 'preview').bytes.equals(PREVIEW_BYTES)).toBe(true);
      expect(fake.requests).toHaveLength(1);
    });

    it('abandons the invocation when its only caller aborts, and a later call starts afresh', async () => {
      fake.enqueue(inProgress()).otherwise(answer(success));
      const invoker = invokerFor({ inProgress: { initialDelayMs: 5_000, maxDelayMs: 5_000, jitter: 0 } });

      const error = await rejection(invoker.invoke(request, { signal: AbortSignal.timeout(200) }));

      expect(error).toBeInstanceOf(InvocationAbortedError);
      expect(invoker.inFlight).toBe(0);
      expect(expectKind(await invoker.invoke(request), 'preview').attempts).toBe(1);
      expect(fake.requests).toHaveLength(2);
    });

    it('rejects at once without invoking when the signal is already aborted', async () => {
      const error = await rejection(invokerFor().invoke(request, { signal: AbortSignal.abort() }));

      expect(error).toBeInstanceOf(InvocationAbortedError);
      expect(fake.requests).toHaveLength(0);
    });
  });

  describe('options', () => {
    it('sends X-Amz-Log-Type: Tail and decodes X-Amz-Log-Result when logTail is on', async () => {
      const log = 'START RequestId: 1\nresized photo/some/file.jpg\nEND RequestId: 1\n';
      fake.enqueue(answer(success, { 'X-Amz-Log-Result': Buffer.from(log).toString('base64') }));

      const result = await invokerFor({ logTail: true }).invoke(request);

      expect(fake.requests[0]?.headers['x-amz-log-type']).toBe('Tail');
      expect(result.logTail).toBe(log);
    });

    it('puts the log tail on a FunctionError when logTail is on', async () => {
      const log = 'ERROR boom\n';
      fake.enqueue(
        functionError({ errorType: 'Error', errorMessage: 'boom' }, 'Unhandled', {
          'X-Amz-Log-Result': Buffer.from(log).toString('base64'),
        }),
      );

      const error = (await rejection(invokerFor({ logTail: true }).invoke(request))) as FunctionError;

      expect(error).toBeInstanceOf(FunctionError);
      expect(error.logTail).toBe(log);
    });

    it('sends the qualifier', async () => {
      fake.enqueue(answer(success));

      await invokerFor({ qualifier: 'live' }).invoke(request);

      expect(fake.requests[0]?.qualifier).toBe('live');
    });

    it('uses a client it is given and never destroys it', async () => {
      fake.enqueue(answer(success));
      const client = new LambdaClient(clientConfig());
      const destroy = vi.spyOn(client, 'destroy');
      const invoker = new PreviewInvoker({ functionName: FUNCTION_NAME, client });

      expectKind(await invoker.invoke(request), 'preview');
      invoker.destroy();

      expect(destroy).not.toHaveBeenCalled();
      client.destroy();
    });

    it('throws ConfigurationError when both client and clientConfig are given', () => {
      const client = new LambdaClient(clientConfig());

      expect(
        () =>
          // @ts-expect-error: client and clientConfig are mutually exclusive.
          new PreviewInvoker({ functionName: FUNCTION_NAME, client, clientConfig: clientConfig() }),
      ).toThrow(ConfigurationError);
      client.destroy();
    });

    it('throws ConfigurationError naming every invalid option', () => {
      const build = () =>
        new PreviewInvoker({
          functionName: '',
          timeoutMs: -1,
          inProgress: { jitter: 2, multiplier: 0.5 },
          clientConfig: clientConfig(),
        });

      expect(build).toThrow(ConfigurationError);
      expect(build).toThrow(/functionName.*timeoutMs.*multiplier.*jitter/);
    });

    it('throws ConfigurationError when invoked after destroy', async () => {
      const invoker = invokerFor();
      invoker.destroy();

      const error = await rejection(invoker.invoke(request));

      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).code).toBe('CONFIGURATION');
      expect(fake.requests).toHaveLength(0);
    });
  });
});
