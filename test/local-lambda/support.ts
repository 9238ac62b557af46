/**
 * Helpers for the local Lambda endpoint tests: SDK clients pointed at a server, payload decoding and
 * deferred promises for scripted handlers.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';

/** A Lambda client for `url` with dummy credentials; `maxAttempts: 1` so errors surface unretried. */
export function lambdaClient(url: string, maxAttempts = 1): LambdaClient {
  return new LambdaClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts,
  });
}

/** The SDK's `Payload` as text (`''` when absent). */
export function payloadText(payload: Uint8Array | undefined | null): string {
  return payload instanceof Uint8Array ? Buffer.from(payload).toString('utf8') : '';
}

/** The SDK's `Payload` parsed as JSON. */
export function payloadJson(payload: Uint8Array | undefined | null): unknown {
  return JSON.parse(payloadText(payload));
}

/** A promise with its resolve function exposed. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

/** Creates a {@link Deferred}. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
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

/** Waits until `condition()` holds, polling every 10 ms, for at most `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
