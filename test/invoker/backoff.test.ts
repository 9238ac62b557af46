import { describe, expect, it } from 'vitest';
import { backoffDelay } from '@preview-lambda/invoker/backoff';
import { DEFAULT_IN_PROGRESS } from '@preview-lambda/invoker';

describe('Function: backoffDelay', () => {
  const policy = { initialDelayMs: 100, maxDelayMs: 1_000, multiplier: 2, jitter: 0 };

  it('grows the delay exponentially up to the maximum without jitter', () => {
    expect([0, 1, 2, 3, 4, 5].map((retry) => backoffDelay(policy, retry))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
  });

  it('draws a full-jitter delay between 0 and the bound', () => {
    const full = { ...policy, jitter: 1 };

    expect(backoffDelay(full, 2, () => 0)).toBe(400);
    expect(backoffDelay(full, 2, () => 0.5)).toBe(200);
    expect(backoffDelay(full, 2, () => 0.999)).toBeCloseTo(0.4);
  });

  it('randomizes only the jitter share of the delay', () => {
    expect(backoffDelay({ ...policy, jitter: 0.25 }, 0, () => 1)).toBe(75);
  });

  it('uses full jitter by default', () => {
    expect(DEFAULT_IN_PROGRESS.jitter).toBe(1);
  });
});
