/**
 * One invocation of an in-process handler under a deadline, and what the Invoke API answers for it: the
 * JSON of the return value, or a function error payload as the Node.js runtime and the Lambda service
 * write them (`X-Amz-Function-Error: Unhandled`).
 */
import type { Context } from 'aws-lambda';

/** Largest request and response payload of a synchronous invocation: 6 MB (6,291,456 bytes), Lambda's quota. */
export const INVOKE_PAYLOAD_LIMIT_BYTES = 6_291_456;

/** A Lambda handler in the async style, `(event, context)`; callback-style handlers are not supported. */
export type LambdaHandler = (event: unknown, context: Context) => unknown;

/** The JSON payload of a function error. */
export interface FunctionErrorPayload {
  /** The error's `name`, or the service's type (`Sandbox.Timedout`, `Function.ResponseSizeTooLarge`). */
  readonly errorType: string;
  /** The error's `message`. */
  readonly errorMessage: string;
  /** The stack, one line per entry (the Node.js runtime's `trace`); absent for service errors. */
  readonly trace?: readonly string[];
}

/** What the Invoke API answers for one invocation: HTTP 200 with this payload. */
export type InvokeAnswer =
  | { readonly kind: 'success'; readonly payload: Buffer }
  | { readonly kind: 'function-error'; readonly error: FunctionErrorPayload; readonly payload: Buffer };

/**
 * Runs `handler(event, context)` for at most `timeoutMs` and answers as Lambda does: the return value as
 * JSON (`undefined` as `null`), a thrown error as `{errorType, errorMessage, trace}` (so
 * `IdempotencyAlreadyInProgressError` comes through by name), `Sandbox.Timedout` at the deadline and
 * `Function.ResponseSizeTooLarge` above {@link INVOKE_PAYLOAD_LIMIT_BYTES}.
 *
 * Unlike Lambda, which freezes and discards the sandbox at the timeout, an in-process handler cannot be
 * stopped: it runs to its end in the background, and whatever it does then still happens.
 */
export async function invokeHandler(
  handler: LambdaHandler,
  event: unknown,
  context: Context,
  timeoutMs: number,
): Promise<InvokeAnswer> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<InvokeAnswer>((resolve) => {
    timer = setTimeout(() => {
      const seconds = (timeoutMs / 1000).toFixed(2);
      const errorMessage = `RequestId: ${context.awsRequestId} Error: Task timed out after ${seconds} seconds`;
      resolve(functionError({ errorType: 'Sandbox.Timedout', errorMessage }));
    }, timeoutMs);
  });
  const run = (async (): Promise<InvokeAnswer> => {
    try {
      return answerWith(await handler(event, context));
    } catch (error) {
      return functionError(thrownErrorPayload(error));
    }
  })();
  try {
    return await Promise.race([run, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function answerWith(value: unknown): InvokeAnswer {
  let json: string;
  try {
    json = JSON.stringify(value === undefined ? null : value) ?? 'null';
  } catch (error) {
    const detail = error instanceof Error ? ` (${error.message})` : '';
    return functionError({ errorType: 'Error', errorMessage: `Unable to stringify response body${detail}`, trace: [] });
  }
  const payload = Buffer.from(json, 'utf8');
  if (payload.byteLength > INVOKE_PAYLOAD_LIMIT_BYTES) {
    return functionError({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: `Response payload size (${payload.byteLength} bytes) exceeded maximum allowed payload size (${INVOKE_PAYLOAD_LIMIT_BYTES} bytes).`,
    });
  }
  return { kind: 'success', payload };
}

function functionError(error: FunctionErrorPayload): InvokeAnswer {
  return { kind: 'function-error', error, payload: Buffer.from(JSON.stringify(error)) };
}

/** What the Node.js runtime reports for a thrown error; anything else thrown is reported by its `typeof`. */
function thrownErrorPayload(error: unknown): FunctionErrorPayload {
  if (error instanceof Error) {
    return {
      errorType: error.name,
      errorMessage: error.message,
      trace: (error.stack ?? `${error.name}: ${error.message}`).split('\n'),
    };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}
