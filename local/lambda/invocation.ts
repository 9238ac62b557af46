/**
 * One invocation of an in-process handler under a deadline, and its outcome turned into what the Invoke API
 * answers: a JSON payload, or a function error payload.
 */
import type { Context } from 'aws-lambda';
import {
  type FunctionErrorPayload,
  responseTooLargePayload,
  thrownErrorPayload,
  timeoutPayload,
  unserializablePayload,
} from './function-errors.js';

/**
 * A Lambda handler in the async style: `(event, context)`, returning the response or a promise of it.
 * Callback-style handlers are not supported.
 */
export type LambdaHandler = (event: unknown, context: Context) => unknown;

/** How a handler run ended. */
export type HandlerOutcome =
  /** The handler returned (or resolved with) `value`. */
  | { readonly kind: 'returned'; readonly value: unknown }
  /** The handler threw (or rejected with) `error`. */
  | { readonly kind: 'threw'; readonly error: unknown }
  /** The deadline passed first; the handler keeps running in the background, its outcome ignored. */
  | { readonly kind: 'timed-out' };

/**
 * Runs `handler(event, context)` and settles with its outcome, or with `timed-out` after `timeoutMs`.
 *
 * Unlike Lambda, which freezes and discards the sandbox at the timeout, an in-process handler cannot be
 * stopped: it runs to its end, and whatever it does then still happens.
 */
export async function runHandler(
  handler: LambdaHandler,
  event: unknown,
  context: Context,
  timeoutMs: number,
): Promise<HandlerOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<HandlerOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timed-out' }), timeoutMs);
  });
  const run = (async (): Promise<HandlerOutcome> => {
    try {
      return { kind: 'returned', value: await handler(event, context) };
    } catch (error) {
      return { kind: 'threw', error };
    }
  })();
  try {
    return await Promise.race([run, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** What the Invoke API answers for one invocation. */
export type InvokeAnswer =
  /** HTTP 200 with the JSON of the handler's return value. */
  | { readonly kind: 'success'; readonly payload: Buffer }
  /** HTTP 200 with `X-Amz-Function-Error: Unhandled` and this payload. */
  | { readonly kind: 'function-error'; readonly error: FunctionErrorPayload; readonly payload: Buffer };

/** Options for {@link answerFor}. */
export interface AnswerOptions {
  /** Request id, quoted in the timeout message. */
  requestId: string;
  /** The function's timeout, quoted in the timeout message. */
  timeoutMs: number;
  /** Largest response payload; a larger one becomes `Function.ResponseSizeTooLarge`. */
  responseLimitBytes: number;
}

function functionError(error: FunctionErrorPayload): InvokeAnswer {
  return { kind: 'function-error', error, payload: Buffer.from(JSON.stringify(error)) };
}

/**
 * Turns a handler outcome into the Invoke API's answer, as the Node.js runtime and the Lambda service do:
 * the return value serialized with `JSON.stringify` (`undefined` as `null`), a thrown error as
 * `{errorType, errorMessage, trace}`, a timeout as `Sandbox.Timedout` and a payload over the limit as
 * `Function.ResponseSizeTooLarge`.
 */
export function answerFor(outcome: HandlerOutcome, options: AnswerOptions): InvokeAnswer {
  switch (outcome.kind) {
    case 'timed-out':
      return functionError(timeoutPayload(options.requestId, options.timeoutMs));
    case 'threw':
      return functionError(thrownErrorPayload(outcome.error));
    case 'returned': {
      let json: string;
      try {
        json = JSON.stringify(outcome.value === undefined ? null : outcome.value) ?? 'null';
      } catch (error) {
        return functionError(unserializablePayload(error));
      }
      const payload = Buffer.from(json, 'utf8');
      if (payload.byteLength > options.responseLimitBytes) {
        return functionError(responseTooLargePayload(payload.byteLength, options.responseLimitBytes));
      }
      return { kind: 'success', payload };
    }
  }
}
