import {
  DeadlineExceededError,
  FunctionError,
  InvalidRequestError,
  InvalidResponseError,
  InvocationAbortedError,
  InvokeFailedError,
  type ResizeErrorCode,
} from '@preview-lambda/invoker';
import { describe, expect, it } from 'vitest';
import {
  ClientClosedError,
  ProxyConfigError,
  RequestTimeoutError,
  StorageError,
  StoredPreviewMissingError,
} from '@preview-lambda/proxy/errors';
import { answerForError, answerForFailure, overloaded, shuttingDown } from '@preview-lambda/proxy/outcome';

describe('Function: answerForFailure', () => {
  it.each<[ResizeErrorCode, number, string, string]>([
    ['SOURCE_NOT_FOUND', 404, 'not-found', 'not-found'],
    ['NOT_AN_IMAGE', 404, 'not-found', 'not-found'],
    ['CORRUPT_IMAGE', 404, 'not-found', 'not-found'],
    ['TOO_MANY_PIXELS', 404, 'not-found', 'not-found'],
    ['SOURCE_TOO_LARGE', 404, 'not-found', 'not-found'],
    ['UNSUPPORTED_FORMAT', 404, 'not-found', 'not-found'],
    ['INVALID_REQUEST', 400, 'invalid', 'none'],
    ['WIDTH_TOO_LARGE', 500, 'error', 'error'],
    ['BUCKET_NOT_ALLOWED', 500, 'error', 'error'],
    ['ACCESS_DENIED', 502, 'error', 'error'],
    ['DESTINATION_REJECTED', 502, 'error', 'error'],
  ])('answers %s with %i (%s, %s image)', (code, status, outcome, image) => {
    expect(answerForFailure(code)).toMatchObject({ status, outcome, image, code });
  });
});

describe('Function: answerForError', () => {
  const functionError = new FunctionError({ functionError: 'Unhandled', errorType: 'Error', errorMessage: 'boom', trace: [] });
  const invokeFailed = (errorName: string) => new InvokeFailedError({ functionName: 'f', errorName }, 'failed');

  it.each<[string, unknown, number, string, string]>([
    ['FunctionError', functionError, 502, 'error', 'FUNCTION_ERROR'],
    ['InvokeFailedError', invokeFailed('ResourceNotFoundException'), 502, 'error', 'INVOKE_FAILED'],
    ['a throttled InvokeFailedError', invokeFailed('TooManyRequestsException'), 503, 'overloaded', 'THROTTLED'],
    ['InvalidResponseError', new InvalidResponseError(['bad']), 502, 'error', 'INVALID_RESPONSE'],
    [
      'DeadlineExceededError',
      new DeadlineExceededError({ timeoutMs: 1, elapsedMs: 1, attempts: 1, inProgress: false }),
      504,
      'timeout',
      'DEADLINE_EXCEEDED',
    ],
    ['InvalidRequestError', new InvalidRequestError(['bad']), 400, 'invalid', 'INVALID_REQUEST'],
    ['InvocationAbortedError', new InvocationAbortedError(), 499, 'aborted', 'ABORTED'],
    ['RequestTimeoutError', new RequestTimeoutError(30_000), 504, 'timeout', 'REQUEST_TIMEOUT'],
    ['ClientClosedError', new ClientClosedError(), 499, 'aborted', 'CLIENT_CLOSED'],
    ['StoredPreviewMissingError', new StoredPreviewMissingError('b', 'k'), 502, 'error', 'STORED_PREVIEW_MISSING'],
    ['StorageError', new StorageError({ bucket: 'b', key: 'k', errorName: 'AccessDenied' }, 'no'), 502, 'error', 'STORAGE_FAILED'],
    ['ProxyConfigError', new ProxyConfigError(['x']), 500, 'error', 'CONFIGURATION'],
    ['anything else', new TypeError('bug'), 500, 'error', 'INTERNAL'],
    ['a non-error', 'boom', 500, 'error', 'INTERNAL'],
  ])('answers %s with %i', (_what, error, status, outcome, code) => {
    expect(answerForError(error)).toMatchObject({ status, outcome, code });
  });

  it('adds Retry-After to throttling, overload and shutdown', () => {
    expect(answerForError(invokeFailed('TooManyRequestsException')).retryAfterSeconds).toBe(1);
    expect(overloaded()).toMatchObject({ status: 503, outcome: 'overloaded', code: 'OVERLOADED', retryAfterSeconds: 1 });
    expect(shuttingDown()).toMatchObject({ status: 503, outcome: 'unavailable', code: 'SHUTTING_DOWN', retryAfterSeconds: 1 });
  });
});
