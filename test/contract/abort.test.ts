import { raceAbort } from '@preview-lambda/contract';
import { describe, expect, it, vi } from 'vitest';

describe('Function: raceAbort', () => {
  it('settles like the promise when the signal does not abort', async () => {
    const controller = new AbortController();
    await expect(raceAbort(Promise.resolve('value'), controller.signal)).resolves.toBe('value');
    await expect(raceAbort(Promise.reject(new Error('failed')), controller.signal)).rejects.toThrow('failed');
  });

  it('rejects with the abort reason as soon as the signal aborts, even if the promise never settles', async () => {
    const controller = new AbortController();
    const raced = raceAbort(new Promise(() => undefined), controller.signal);
    const reason = new Error('deadline');
    controller.abort(reason);
    await expect(raced).rejects.toBe(reason);
  });

  it('rejects at once for a signal that is already aborted', async () => {
    await expect(raceAbort(Promise.resolve(1), AbortSignal.abort('gone'))).rejects.toBe('gone');
  });

  it('hands a value that arrives after the abort to onLateValue, and swallows a late rejection', async () => {
    const controller = new AbortController();
    let resolveLate!: (value: string) => void;
    const late = new Promise<string>((resolve) => {
      resolveLate = resolve;
    });
    const onLateValue = vi.fn();
    const raced = raceAbort(late, controller.signal, onLateValue);
    controller.abort('stop');
    await expect(raced).rejects.toBe('stop');
    resolveLate('stream');
    await late;
    expect(onLateValue).toHaveBeenCalledWith('stream');

    const failing = raceAbort(Promise.reject(new Error('late failure')), AbortSignal.abort('x'));
    await expect(failing).rejects.toBe('x');
  });
});
