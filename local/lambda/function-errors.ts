/**
 * Payloads of failed invocations, as the Lambda Node.js runtime and the Lambda service write them. They are
 * answered with HTTP 200 and `X-Amz-Function-Error: Unhandled`.
 */
import { types } from 'node:util';

/** The JSON payload of a function error. */
export interface FunctionErrorPayload {
  /** The error's `name`, or the service's type (`Sandbox.Timedout`, `Function.ResponseSizeTooLarge`). */
  readonly errorType: string;
  /** The error's `message`. */
  readonly errorMessage: string;
  /** The stack, one line per entry (the Node.js runtime's `trace`); absent for service errors. */
  readonly trace?: readonly string[];
}

function isErrorLike(value: unknown): value is Error & { stack: string } {
  if (value === null || typeof value !== 'object') return false;
  const record = value as Record<string, unknown>;
  return typeof record.name === 'string' && typeof record.message === 'string' && typeof record.stack === 'string';
}

/**
 * What the Node.js runtime reports for a thrown error (or a rejected promise): `errorType` is the error's
 * `name` (so `IdempotencyAlreadyInProgressError` comes through as is), `errorMessage` its `message` and
 * `trace` its stack lines. Anything thrown that is not an error is reported by its `typeof`.
 */
export function thrownErrorPayload(error: unknown): FunctionErrorPayload {
  try {
    if (types.isNativeError(error) || isErrorLike(error)) {
      return {
        errorType: error.name,
        errorMessage: error.message,
        trace: (error.stack ?? `${error.name}: ${error.message}`).split('\n'),
      };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage: 'The handler threw a value whose name, message or stack could not be read',
    };
  }
}

/** What Lambda reports when the handler has not settled by the function's timeout. */
export function timeoutPayload(requestId: string, timeoutMs: number): FunctionErrorPayload {
  return {
    errorType: 'Sandbox.Timedout',
    errorMessage: `RequestId: ${requestId} Error: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
  };
}

/** What Lambda reports when a synchronous response is larger than it may return. */
export function responseTooLargePayload(bytes: number, limitBytes: number): FunctionErrorPayload {
  return {
    errorType: 'Function.ResponseSizeTooLarge',
    errorMessage: `Response payload size (${bytes} bytes) exceeded maximum allowed payload size (${limitBytes} bytes).`,
  };
}

/** What the Node.js runtime reports when the handler's return value cannot be turned into JSON. */
export function unserializablePayload(cause: unknown): FunctionErrorPayload {
  const detail = cause instanceof Error ? ` (${cause.message})` : '';
  return { errorType: 'Error', errorMessage: `Unable to stringify response body${detail}`, trace: [] };
}
