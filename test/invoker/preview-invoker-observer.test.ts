import { describe, expect, it } from 'vitest';
import { ConfigurationError, PreviewInvoker, type PreviewInvokerObserver } from '@preview-lambda/invoker';
import { answer, inProgress } from './fake-lambda.js';
import { clientConfig, expectKind, fake, FUNCTION_NAME, invokerFor, request, success } from './invoker-support.js';

/** An observer that records every callback in order. */
function recorder(): { events: string[]; observer: PreviewInvokerObserver } {
  const events: string[] = [];
  return {
    events,
    observer: {
      onInvoke: (attempt) => void events.push(`invoke ${attempt}`),
      onInProgress: (delayMs) => void events.push(`wait ${delayMs >= 0 && delayMs <= 100 ? 'ok' : delayMs}`),
      onJoin: () => void events.push('join'),
    },
  };
}

describe('Class: PreviewInvoker (observer)', () => {
  it('tells each invocation and each in-progress wait, in order, with the attempt and the delay', async () => {
    const { events, observer } = recorder();
    fake.enqueue(inProgress(), inProgress(), answer(success));

    const result = await invokerFor({ observer }).invoke(request);

    expect(result.attempts).toBe(3);
    expect(events).toEqual(['invoke 1', 'wait ok', 'invoke 2', 'wait ok', 'invoke 3']);
  });

  it('tells each call that joins an identical call in flight, and invokes once', async () => {
    const { events, observer } = recorder();
    fake.enqueue({ ...answer(success), delayMs: 200 });
    const invoker = invokerFor({ observer });

    const results = await Promise.all(Array.from({ length: 5 }, () => invoker.invoke(request)));

    for (const result of results) expectKind(result, 'preview');
    // The first call's invocation starts on the next tick, after the others joined it.
    expect(events.sort()).toEqual(['invoke 1', 'join', 'join', 'join', 'join']);
    expect(fake.requests).toHaveLength(1);
  });

  it('does not count a call that was aborted before it could join', async () => {
    const { events, observer } = recorder();
    fake.enqueue({ ...answer(success), delayMs: 100 });
    const invoker = invokerFor({ observer });

    const first = invoker.invoke(request);
    await expect(invoker.invoke(request, { signal: AbortSignal.abort() })).rejects.toThrow();
    await first;

    expect(events).toEqual(['invoke 1']);
  });

  it('ignores an observer that throws: the call still succeeds', async () => {
    fake.enqueue(inProgress(), answer(success));
    const throwing: PreviewInvokerObserver = {
      onInvoke: () => {
        throw new Error('metrics broke');
      },
      onInProgress: () => {
        throw new Error('metrics broke');
      },
    };

    expectKind(await invokerFor({ observer: throwing }).invoke(request), 'preview');
  });

  it('throws ConfigurationError naming an observer that is not callbacks', () => {
    const make = (observer: unknown) => () =>
      new PreviewInvoker({ functionName: FUNCTION_NAME, clientConfig: clientConfig(), observer } as never);
    expect(make('yes')).toThrow(ConfigurationError);
    expect(make('yes')).toThrow('Invalid PreviewInvoker options: Expected an object of callbacks for observer but received "yes" (string)');
    expect(make({ onInvoke: 3 })).toThrow('Invalid PreviewInvoker options: Expected a function for observer.onInvoke but received 3 (number)');
  });
});
