/**
 * Settles like `promise`, or rejects with `signal.reason` as soon as `signal` aborts, whichever comes
 * first: the request's deadline holds even against a dependency that ignores its signal.
 *
 * @param onLateValue - Called with the value when `promise` resolves after the abort, to release it
 *   (e.g. destroy a stream nobody will read).
 */
export function abortable<T>(
  promise: Promise<T>,
  signal: AbortSignal,
  onLateValue?: (value: T) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const onAbort = (): void => {
      done = true;
      reject(signal.reason);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (done) onLateValue?.(value);
        else resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        if (!done) reject(error);
      },
    );
  });
}
