import { describe, expect, it } from 'vitest';
import { FunctionError, InvalidRequestError, InvalidResponseError, InvokeFailedError, InvokerError, PreviewInvoker } from '@preview-lambda/invoker';
import { answer, functionError, notFound, throttled } from './fake-lambda.js';
import { clientConfig, expectKind, fake, FUNCTION_NAME, invokerFor, invokers, PREVIEW_BYTES, rejection, request, success } from './invoker-support.js';

describe('Class: PreviewInvoker (results and errors)', () => {
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

    it('sends the format of a variant and returns the content type the function produced', async () => {
      fake.enqueue(answer({ ...success, key: 'prew/small@avif/some/file.jpg', content_type: 'image/avif' }));

      const result = expectKind(await invokerFor().invoke({ ...request, format: 'avif' }), 'preview');

      expect(fake.payload(0)).toEqual({ ...request, format: 'avif' });
      expect([result.key, result.contentType]).toEqual(['prew/small@avif/some/file.jpg', 'image/avif']);
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

    it('throws InvalidRequestError for a format that is not an output format, before invoking anything', async () => {
      const error = await rejection(invokerFor().invoke({ ...request, format: 'gif' }));

      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as InvalidRequestError).issues).toEqual(['Expected one of "avif", "webp" for format but received "gif" (string)']);
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
});
