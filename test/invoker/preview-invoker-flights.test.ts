import { LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it, vi } from 'vitest';
import { ConfigurationError, DeadlineExceededError, FunctionError, InvocationAbortedError, PreviewInvoker, type ResizeRequest } from '@preview-lambda/invoker';
import { answer, functionError, inProgress } from './fake-lambda.js';
import { clientConfig, expectKind, fake, FUNCTION_NAME, invokerFor, PREVIEW_BYTES, rejection, request, success } from './invoker-support.js';

describe('Class: PreviewInvoker (waits, single flight, options)', () => {
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

      const build = () =>
        // @ts-expect-error: client and clientConfig are mutually exclusive.
        new PreviewInvoker({ functionName: FUNCTION_NAME, client, clientConfig: clientConfig() });

      expect(build).toThrow(ConfigurationError);
      expect(build).toThrow('Invalid PreviewInvoker options: Expected either client or clientConfig but received both');
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
      expect(build).toThrow(
        'Invalid PreviewInvoker options: Expected a function name or ARN for functionName but received "" (string); ' +
          'Expected a number of ms from 1 to 2147483647 for timeoutMs but received -1 (number); ' +
          'Expected a number of at least 1 for inProgress.multiplier but received 0.5 (number); ' +
          'Expected a number from 0 to 1 for inProgress.jitter but received 2 (number)',
      );
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
