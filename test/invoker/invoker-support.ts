
/** Helpers of the PreviewInvoker suites: a fresh scripted Lambda per test, invokers destroyed after it. */
import { afterEach, beforeEach, expect } from 'vitest';
import { PreviewInvoker, type PreviewInvokerBaseOptions, type PreviewResult, type ResizeRequest } from '@preview-lambda/invoker';
import { FakeLambda } from './fake-lambda.js';
import { GO_EXAMPLE_REQUEST } from '../support/requests.js';

export const FUNCTION_NAME = 'preview-function';
export const PREVIEW_BYTES = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0xff]);

export const request: ResizeRequest = GO_EXAMPLE_REQUEST;

/** The Go success answer for {@link PREVIEW_BYTES}. */
export const success = {
  status: true,
  key: 'prew/small/some/file.jpg',
  content_type: 'image/jpeg',
  data: PREVIEW_BYTES.toString('base64'),
  error: '',
};

/** The scripted Lambda of the running test (a live binding: a fresh one per test). */
export let fake: FakeLambda;
/** Invokers destroyed after the test (`invokerFor` adds its own; push any other). */
export const invokers: PreviewInvoker[] = [];

// A fresh fake per test: a request abandoned at the end of one test must not consume the next one's script.
beforeEach(async () => {
  fake = await FakeLambda.start();
});

afterEach(async () => {
  for (const invoker of invokers.splice(0)) invoker.destroy();
  await fake.close();
});

export function clientConfig() {
  return {
    endpoint: fake.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  };
}

/** An invoker pointed at the fake, with short in-progress waits. */
export function invokerFor(options: Partial<PreviewInvokerBaseOptions> = {}): PreviewInvoker {
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
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('Expected a rejection, but the promise resolved');
}

export function expectKind<K extends PreviewResult['kind']>(
  result: PreviewResult,
  kind: K,
): Extract<PreviewResult, { kind: K }> {
  expect(result.kind).toBe(kind);
  return result as Extract<PreviewResult, { kind: K }>;
}

