/**
 * What the local command-line tools (`npm run lambda:local`, `npm start`, `npm run invoke`) share: failing
 * with their usage, parsing and checking flags, and showing an unexpected error.
 *
 * @module
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { EmulatorBackend } from './emulators.js';

/** Reports a usage error and ends the process; never returns. */
export type Fail = (message: string) => never;

/** A {@link Fail} that writes `<command>: <message>` and `usage` to stderr, then exits with code 2. */
export function failWith(command: string, usage: string): Fail {
  return (message) => {
    process.stderr.write(`${command}: ${message}\n${usage}`);
    process.exit(2);
  };
}

/** The parsed values of `options`, typed as `parseArgs` types them. */
type FlagValues<T extends NonNullable<ParseArgsConfig['options']>> = ReturnType<
  typeof parseArgs<{ options: T }>
>['values'];

/**
 * Parses the process's arguments (no positionals) with `options` plus `--help`/`-h`: a parse error goes
 * to `fail`; `--help` writes `usage` to stdout and exits with code 0.
 */
export function parseFlags<const T extends NonNullable<ParseArgsConfig['options']>>(
  options: T,
  usage: string,
  fail: Fail,
): FlagValues<T> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ options: { ...options, help: { type: 'boolean', short: 'h', default: false } } }));
  } catch (error) {
    return fail((error as Error).message);
  }
  if (values.help === true) {
    process.stdout.write(usage);
    process.exit(0);
  }
  return values as FlagValues<T>;
}

/**
 * The integer value of `--<flag>`, or `undefined` when the flag is absent; anything but an integer from
 * `min` to `max` goes to `fail` as "--<flag> must be <expected> but received ...".
 */
export function integerFlag(
  fail: Fail,
  flag: string,
  raw: string | undefined,
  min: number,
  max: number,
  expected = `an integer from ${min} to ${max}`,
): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(value) || value < min || value > max) {
    fail(`--${flag} must be ${expected} but received "${raw}"`);
  }
  return value;
}

/** The value of `--<flag>` as an http(s) URL, or `undefined` when absent; anything else goes to `fail`. */
export function urlFlag(fail: Fail, flag: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!URL.canParse(raw) || !/^https?:$/.test(new URL(raw).protocol)) {
    return fail(`--${flag} must be an http(s) URL but received "${raw}"`);
  }
  return raw;
}

/** The value of `--backend`; anything but `node` or `moto` goes to `fail`. */
export function backendFlag(fail: Fail, raw: string): EmulatorBackend {
  return raw === 'node' || raw === 'moto' ? raw : fail(`--backend must be node or moto but received "${raw}"`);
}

/** An error for a person: its stack (which starts with its message) when it has one. */
export function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
