import { LambdaClient } from '@aws-sdk/client-lambda';
import { DEFAULT_IN_PROGRESS, DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS } from './constants.js';
import { ConfigurationError } from './errors.js';
import type { InProgressOptions, PreviewInvokerOptions } from './types.js';

/** {@link InProgressOptions} with every default applied. */
export type ResolvedInProgressOptions = Readonly<Required<InProgressOptions>>;

/** {@link PreviewInvokerOptions} with every default applied and the client built. */
export interface ResolvedOptions {
  readonly functionName: string;
  readonly qualifier: string | undefined;
  readonly timeoutMs: number;
  readonly inProgress: ResolvedInProgressOptions;
  readonly logTail: boolean;
  readonly client: LambdaClient;
  /** Whether the invoker built the client, and so must destroy it. */
  readonly ownsClient: boolean;
}

/**
 * Checks the options, applies the defaults and builds the client when none was given.
 *
 * @throws {ConfigurationError} naming every invalid option at once.
 */
export function resolveOptions(options: PreviewInvokerOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError('PreviewInvoker needs an options object with at least functionName');
  }
  const problems: string[] = [];
  const { functionName, qualifier, client, clientConfig } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const logTail = options.logTail ?? false;
  const inProgress: ResolvedInProgressOptions = Object.freeze({
    initialDelayMs: options.inProgress?.initialDelayMs ?? DEFAULT_IN_PROGRESS.initialDelayMs,
    maxDelayMs: options.inProgress?.maxDelayMs ?? DEFAULT_IN_PROGRESS.maxDelayMs,
    multiplier: options.inProgress?.multiplier ?? DEFAULT_IN_PROGRESS.multiplier,
    jitter: options.inProgress?.jitter ?? DEFAULT_IN_PROGRESS.jitter,
  });

  if (typeof functionName !== 'string' || functionName === '') {
    problems.push('functionName must be a non-empty string');
  }
  if (qualifier !== undefined && (typeof qualifier !== 'string' || qualifier === '')) {
    problems.push('qualifier must be a non-empty string when given');
  }
  if (!isNumberIn(timeoutMs, 1, MAX_TIMEOUT_MS)) {
    problems.push(`timeoutMs must be a number from 1 to ${MAX_TIMEOUT_MS}`);
  }
  if (typeof logTail !== 'boolean') {
    problems.push('logTail must be a boolean');
  }
  if (!isNumberIn(inProgress.initialDelayMs, 0, MAX_TIMEOUT_MS)) {
    problems.push(`inProgress.initialDelayMs must be a number from 0 to ${MAX_TIMEOUT_MS}`);
  }
  if (!isNumberIn(inProgress.maxDelayMs, inProgress.initialDelayMs, MAX_TIMEOUT_MS)) {
    problems.push('inProgress.maxDelayMs must be a number at least inProgress.initialDelayMs');
  }
  if (!isNumberIn(inProgress.multiplier, 1, Number.MAX_SAFE_INTEGER)) {
    problems.push('inProgress.multiplier must be a number of at least 1');
  }
  if (!isNumberIn(inProgress.jitter, 0, 1)) {
    problems.push('inProgress.jitter must be a number from 0 to 1');
  }
  if (client !== undefined && clientConfig !== undefined) {
    problems.push('give either client or clientConfig, not both');
  } else if (client !== undefined && typeof (client as { send?: unknown }).send !== 'function') {
    problems.push('client must be a LambdaClient');
  }
  if (problems.length > 0) {
    throw new ConfigurationError(`Invalid PreviewInvoker options: ${problems.join('; ')}`);
  }

  return {
    functionName,
    qualifier,
    timeoutMs,
    inProgress,
    logTail,
    client: client ?? new LambdaClient(clientConfig ?? {}),
    ownsClient: client === undefined,
  };
}

function isNumberIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
}
