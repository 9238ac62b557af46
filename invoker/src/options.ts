import { LambdaClient } from '@aws-sdk/client-lambda';
import { describeReceived, formatIssues } from '@preview-lambda/contract';
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

const milliseconds = (min: number) => {
  const error = `Expected a number of ms from ${min} to ${MAX_TIMEOUT_MS}`;
  return z.number({ error }).min(min, { error }).max(MAX_TIMEOUT_MS, { error });
};

const FUNCTION_NAME = 'Expected a function name or ARN';
const QUALIFIER = 'Expected a version or alias';
const MULTIPLIER = 'Expected a number of at least 1';
const JITTER = 'Expected a number from 0 to 1';

/** The options as plain data; `client` and `clientConfig` are checked by {@link resolveOptions}. */
const InvokerOptionsSchema = z.object(
  {
    functionName: z.string({ error: FUNCTION_NAME }).min(1, { error: FUNCTION_NAME }),
    qualifier: z.string({ error: QUALIFIER }).min(1, { error: QUALIFIER }).optional(),
    timeoutMs: milliseconds(1).default(DEFAULT_TIMEOUT_MS),
    logTail: z.boolean({ error: 'Expected boolean' }).default(false),
    inProgress: z
      .object(
        {
          initialDelayMs: milliseconds(0).default(DEFAULT_IN_PROGRESS.initialDelayMs),
          maxDelayMs: milliseconds(0).default(DEFAULT_IN_PROGRESS.maxDelayMs),
          multiplier: z
            .number({ error: MULTIPLIER })
            .min(1, { error: MULTIPLIER })
            .max(Number.MAX_SAFE_INTEGER, { error: MULTIPLIER })
            .default(DEFAULT_IN_PROGRESS.multiplier),
          jitter: z.number({ error: JITTER }).min(0, { error: JITTER }).max(1, { error: JITTER }).default(DEFAULT_IN_PROGRESS.jitter),
        },
        { error: 'Expected an object of backoff settings' },
      )
      .superRefine((policy, ctx) => {
        if (policy.maxDelayMs >= policy.initialDelayMs) return;
        ctx.addIssue({
          code: 'custom',
          message: `Expected at least inProgress.initialDelayMs (${policy.initialDelayMs})`,
          path: ['maxDelayMs'],
          input: policy.maxDelayMs,
        });
      })
      .default(() => ({ ...DEFAULT_IN_PROGRESS })),
  },
  { error: 'Expected an object' },
);

/**
 * Checks the options (a zod schema), applies the defaults and builds the client when none was given.
 *
 * @throws {ConfigurationError} naming every invalid option at once, one line each in the contract's
 *   `formatIssues` shape, e.g. `Invalid PreviewInvoker options: Expected a function name or ARN for
 *   functionName but received "" (string); Expected a number from 0 to 1 for inProgress.jitter but received 2 (number)`.
 */
export function resolveOptions(options: PreviewInvokerOptions): ResolvedOptions {
  const parsed = InvokerOptionsSchema.safeParse(options, { reportInput: true });
  const problems = parsed.success ? [] : formatIssues(parsed.error.issues, { rootName: 'options' });
  const { client, clientConfig, observer } = (options ?? {}) as PreviewInvokerOptions;
  if (client !== undefined && clientConfig !== undefined) {
    problems.push('Expected either client or clientConfig but received both');
  } else if (client !== undefined && typeof (client as { send?: unknown }).send !== 'function') {
    // Duck-typed: a LambdaClient from the other (ESM or CommonJS) build of the SDK is not `instanceof` ours.
    problems.push(`Expected a LambdaClient for client but received ${describeReceived(client)}`);
  }
  if (observer !== undefined && (observer === null || typeof observer !== 'object')) {
    problems.push(`Expected an object of callbacks for observer but received ${describeReceived(observer)}`);
  } else {
    for (const name of OBSERVER_CALLBACKS) {
      const callback = observer?.[name];
      if (callback !== undefined && typeof callback !== 'function') {
        problems.push(`Expected a function for observer.${name} but received ${describeReceived(callback)}`);
      }
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
