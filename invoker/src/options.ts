import { LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod';
import { DEFAULT_IN_PROGRESS, DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS } from './constants.js';
import { ConfigurationError } from './errors.js';
import type { InProgressOptions, PreviewInvokerObserver, PreviewInvokerOptions } from './types.js';

/** {@link InProgressOptions} with every default applied. */
export type ResolvedInProgressOptions = Readonly<Required<InProgressOptions>>;

/** {@link PreviewInvokerOptions} with every default applied and the client built. */
export interface ResolvedOptions {
  readonly functionName: string;
  readonly qualifier: string | undefined;
  readonly timeoutMs: number;
  readonly inProgress: ResolvedInProgressOptions;
  readonly logTail: boolean;
  /** Callbacks, each wrapped so that a throwing one is ignored. */
  readonly observer: Readonly<Required<PreviewInvokerObserver>>;
  readonly client: LambdaClient;
  /** Whether the invoker built the client, and so must destroy it. */
  readonly ownsClient: boolean;
}

const milliseconds = (min: number) => z.number().min(min).max(MAX_TIMEOUT_MS);

/** The options as plain data; `client` and `clientConfig` are checked by {@link resolveOptions}. */
const InvokerOptionsSchema = z.object({
  functionName: z.string().min(1),
  qualifier: z.string().min(1).optional(),
  timeoutMs: milliseconds(1).default(DEFAULT_TIMEOUT_MS),
  logTail: z.boolean().default(false),
  inProgress: z
    .object({
      initialDelayMs: milliseconds(0).default(DEFAULT_IN_PROGRESS.initialDelayMs),
      maxDelayMs: milliseconds(0).default(DEFAULT_IN_PROGRESS.maxDelayMs),
      multiplier: z.number().min(1).max(Number.MAX_SAFE_INTEGER).default(DEFAULT_IN_PROGRESS.multiplier),
      jitter: z.number().min(0).max(1).default(DEFAULT_IN_PROGRESS.jitter),
    })
    .refine((policy) => policy.maxDelayMs >= policy.initialDelayMs, {
      error: 'must be at least inProgress.initialDelayMs',
      path: ['maxDelayMs'],
    })
    .default(() => ({ ...DEFAULT_IN_PROGRESS })),
});

/**
 * Checks the options (a zod schema), applies the defaults and builds the client when none was given.
 *
 * @throws {ConfigurationError} naming every invalid option at once, e.g. `functionName: Too small: …`.
 */
export function resolveOptions(options: PreviewInvokerOptions): ResolvedOptions {
  const parsed = InvokerOptionsSchema.safeParse(options);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'options'}: ${issue.message}`);
  const { client, clientConfig, observer } = (options ?? {}) as PreviewInvokerOptions;
  if (client !== undefined && clientConfig !== undefined) {
    problems.push('client: give either client or clientConfig, not both');
  } else if (client !== undefined && typeof (client as { send?: unknown }).send !== 'function') {
    // Duck-typed: a LambdaClient from the other (ESM or CommonJS) build of the SDK is not `instanceof` ours.
    problems.push('client: must be a LambdaClient');
  }
  if (observer !== undefined && (observer === null || typeof observer !== 'object')) {
    problems.push('observer: must be an object of callbacks');
  } else {
    for (const name of OBSERVER_CALLBACKS) {
      const callback = observer?.[name];
      if (callback !== undefined && typeof callback !== 'function') problems.push(`observer.${name}: must be a function`);
    }
  }
  if (!parsed.success || problems.length > 0) {
    throw new ConfigurationError(`Invalid PreviewInvoker options: ${problems.join('; ')}`);
  }
  const { functionName, qualifier, timeoutMs, logTail, inProgress } = parsed.data;
  return {
    functionName,
    qualifier,
    timeoutMs,
    logTail,
    inProgress: Object.freeze(inProgress),
    observer: Object.freeze(resolveObserver(observer)),
    client: client ?? new LambdaClient(clientConfig ?? {}),
    ownsClient: client === undefined,
  };
}

const OBSERVER_CALLBACKS = ['onInvoke', 'onInProgress', 'onJoin'] as const;

/** Every callback of `observer`, a no-op where it has none, each ignoring what it throws. */
function resolveObserver(observer: PreviewInvokerObserver | undefined): Required<PreviewInvokerObserver> {
  const safe =
    <A extends unknown[]>(callback: ((...args: A) => void) | undefined) =>
    (...args: A): void => {
      if (callback === undefined) return;
      try {
        callback.apply(observer, args);
      } catch {
        // An observer must never fail a call.
      }
    };
  return {
    onInvoke: safe(observer?.onInvoke),
    onInProgress: safe(observer?.onInProgress),
    onJoin: safe(observer?.onJoin),
  };
}
