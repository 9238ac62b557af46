import type { ResolvedInProgressOptions } from './options.js';

/**
 * The wait before the next invocation, after `retry` in-progress answers (0 for the first wait), in
 * milliseconds: `cap × (1 − jitter × random())` with `cap = min(maxDelayMs, initialDelayMs ×
 * multiplier^retry)`.
 */
export function backoffDelay(
  policy: ResolvedInProgressOptions,
  retry: number,
  random: () => number = Math.random,
): number {
  const cap = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** retry);
  return cap * (1 - policy.jitter * random());
}
