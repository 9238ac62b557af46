/**
 * A Lambda-like invocation context for running the handler outside Lambda (`npm run invoke`, tests, the
 * local endpoint): request id, function name and a real deadline.
 */
import { randomUUID } from 'node:crypto';
import { FUNCTION_TIMEOUT_SECONDS } from '@preview-lambda/contract';
import type { Context } from 'aws-lambda';

/** Options for {@link lambdaContext}. */
export interface LambdaContextOptions {
  /** Function name; defaults to `PreviewFunction`, the template's logical ID. */
  functionName?: string;
  /** Milliseconds until the deadline; defaults to the template's timeout (`FUNCTION_TIMEOUT_SECONDS`). */
  timeoutMs?: number;
  /** Memory size reported to the handler; defaults to 1536. */
  memoryLimitInMB?: number;
  /** Request id; defaults to a random UUID. */
  awsRequestId?: string;
}

/** Creates a context whose `getRemainingTimeInMillis()` counts down to a deadline from now. */
export function lambdaContext(options: LambdaContextOptions = {}): Context {
  const functionName = options.functionName ?? 'PreviewFunction';
  const deadline = Date.now() + (options.timeoutMs ?? FUNCTION_TIMEOUT_SECONDS * 1000);
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: String(options.memoryLimitInMB ?? 1536),
    awsRequestId: options.awsRequestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${new Date().toISOString().slice(0, 10)}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
