import { InvokeCommand, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { setTimeout as delay } from 'node:timers/promises';
import { raceAbort, type ResizeRequest } from '@preview-lambda/contract';
import { backoffDelay } from './backoff.js';
import {
  ConfigurationError,
  DeadlineExceededError,
  InvocationAbortedError,
  InvokeFailedError,
  InvokerError,
} from './errors.js';
import { type ResolvedOptions, resolveOptions } from './options.js';
import { requestPayload, validateRequest } from './request.js';
import { interpretOutput } from './response.js';
import { SingleFlight } from './single-flight.js';
import type { PreviewInvokeOptions, PreviewInvokerOptions, PreviewResult } from './types.js';

/** Reason given to a call's signal when its deadline passes. */
const DEADLINE = Symbol('deadline');

/**
 * Invokes the preview Lambda synchronously (`RequestResponse`) and returns a checked
 * {@link PreviewResult}.
 *
 * - The request is validated against the contract before any network call.
 * - The answer is decoded and validated; a bad payload is an {@link InvalidResponseError}, never a crash.
 * - While another execution of the same request is in progress (`IdempotencyAlreadyInProgressError`),
 *   it waits with exponential backoff and jitter and invokes again, within the deadline.
 * - Concurrent identical calls on one instance share one invocation.
 * - Every failure is an {@link InvokerError}.
 *
 * @example
 * ```ts
 * const invoker = new PreviewInvoker({ functionName: 'preview', clientConfig: { region: 'eu-west-1' } });
 * const result = await invoker.invoke(request);
 * if (result.kind === 'preview') reply(result.contentType, result.bytes);
 * ```
 */
export class PreviewInvoker {
  readonly #options: ResolvedOptions;
  readonly #flights = new SingleFlight<string, PreviewResult>();
  #destroyed = false;

  /**
   * @throws {ConfigurationError} naming every invalid option, e.g. both `client` and `clientConfig`.
   */
  public constructor(options: PreviewInvokerOptions) {
    this.#options = resolveOptions(options);
  }

  /** Number of distinct invocations in flight (identical concurrent calls count once). */
  public get inFlight(): number {
    return this.#flights.size;
  }

  /**
   * Generates (or fetches) the preview described by `request`.
   *
   * A call made while an identical one (same validated request) is in flight on this instance joins it:
   * they share one invocation, its deadline and its outcome.
   *
   * @param request - A {@link ResizeRequest}, or any decoded JSON: it is validated either way and
   *   unknown fields are stripped before sending.
   * @param options - Per-call options, e.g. an abort `signal`.
   * @returns `preview` (bytes inline), `stored` (read `key` from the destination bucket) or `failed`
   *   (permanent failure reported by the function, with its `code`).
   * @throws {InvalidRequestError} the request breaks the contract (nothing was invoked).
   * @throws {FunctionError} the function failed (threw, timed out, ran out of memory).
   * @throws {InvalidResponseError} the answer is not JSON or breaks the contract.
   * @throws {DeadlineExceededError} no answer within `timeoutMs`, waits included.
   * @throws {InvokeFailedError} the `Invoke` call failed after the SDK's retries.
   * @throws {InvocationAbortedError} `options.signal` aborted.
   * @throws {ConfigurationError} the invoker was destroyed.
   */
  public async invoke(
    request: ResizeRequest | unknown,
    options: PreviewInvokeOptions = {},
  ): Promise<PreviewResult> {
    if (this.#destroyed) {
      throw new ConfigurationError('PreviewInvoker.invoke() was called after destroy()');
    }
    const payload = requestPayload(validateRequest(request));
    if (this.#flights.has(payload) && options.signal?.aborted !== true) this.#options.observer.onJoin();
    return this.#flights.run(payload, (abandoned) => this.#invokeUntilSettled(payload, abandoned), options.signal);
  }

  /**
   * Releases the Lambda client if the invoker built it (from `clientConfig`); a `client` passed in is
   * left alone. Calls in flight are not aborted; later calls throw {@link ConfigurationError}.
   */
  public destroy(): void {
    if (this.#destroyed) {
      return;
    }
    this.#destroyed = true;
    if (this.#options.ownsClient) {
      this.#options.client.destroy();
    }
  }

  /** Invokes until the function answers for good, the deadline passes, or every caller aborts. */
  async #invokeUntilSettled(payload: string, abandoned: AbortSignal): Promise<PreviewResult> {
    const { timeoutMs, inProgress: policy, observer } = this.#options;
    const started = performance.now();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(DEADLINE), timeoutMs);
    const onAbandoned = (): void => controller.abort(abandoned.reason);
    if (abandoned.aborted) onAbandoned();
    else abandoned.addEventListener('abort', onAbandoned, { once: true });
    let attempts = 0;
    let inProgress = false;
    try {
      for (;;) {
        attempts += 1;
        observer.onInvoke(attempts);
        const output = await this.#send(payload, controller.signal);
        const outcome = interpretOutput(output, attempts);
        if (outcome.kind === 'settled') {
          return outcome.result;
        }
        inProgress = true;
        const waitMs = backoffDelay(policy, attempts - 1);
        observer.onInProgress(waitMs);
        await delay(waitMs, undefined, { signal: controller.signal });
      }
    } catch (error) {
      if (!controller.signal.aborted || error instanceof InvokerError) {
        throw error;
      }
      if (controller.signal.reason === DEADLINE) {
        const elapsedMs = Math.round(performance.now() - started);
        throw new DeadlineExceededError({ timeoutMs, elapsedMs, attempts, inProgress });
      }
      throw new InvocationAbortedError({ cause: controller.signal.reason });
    } finally {
      clearTimeout(timer);
      abandoned.removeEventListener('abort', onAbandoned);
    }
  }

  /** One `Invoke` call; SDK errors other than an abort become {@link InvokeFailedError}. */
  async #send(payload: string, signal: AbortSignal): Promise<InvokeCommandOutput> {
    const { client, functionName, qualifier, logTail } = this.#options;
    const command = new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'RequestResponse',
      Payload: payload,
      Qualifier: qualifier,
      LogType: logTail ? 'Tail' : undefined,
    });
    try {
      return await raceAbort(client.send(command, { abortSignal: signal }), signal);
    } catch (error) {
      if (signal.aborted) {
        throw error;
      }
      throw invokeFailed(functionName, error);
    }
  }
}

/** Wraps an SDK or transport error, keeping its name, HTTP status and request id. */
function invokeFailed(functionName: string, error: unknown): InvokeFailedError {
  const sdk = (error ?? {}) as {
    name?: unknown;
    message?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown; requestId?: unknown };
  };
  const errorName = typeof sdk.name === 'string' && sdk.name !== '' ? sdk.name : 'Error';
  const httpStatusCode = sdk.$metadata?.httpStatusCode;
  const requestId = sdk.$metadata?.requestId;
  const fault = sdk.$fault === 'client' || sdk.$fault === 'server' ? sdk.$fault : undefined;
  const message = typeof sdk.message === 'string' ? sdk.message : String(error);
  return new InvokeFailedError(
    {
      functionName,
      errorName,
      httpStatusCode: typeof httpStatusCode === 'number' ? httpStatusCode : undefined,
      requestId: typeof requestId === 'string' ? requestId : undefined,
      fault,
    },
    message,
    { cause: error },
  );
}
