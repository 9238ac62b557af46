import type { z } from 'zod';

/** Options of {@link formatIssues}. */
export interface FormatIssuesOptions {
  /** Name used for the value itself when an issue has an empty path. Default: `'value'`. */
  rootName?: string;
}

/** Longest string representation of a received value before it is cut with `…`. */
const MAX_RECEIVED_CHARS = 80;

/** Where an `Expected …` line names what it received. */
const BUT_RECEIVED = ' but received ';

/**
 * Turns zod issues into one sharp-style line each, naming the field, what was expected and what was
 * received, e.g. `Expected positive integer for width but received "1440" (string)`.
 *
 * Schemas phrase every message as `Expected <what>`. A message that already says what was received
 * (`Expected <what> but received <value>`, as the contract's preset parsers do) gets the field inserted
 * before `but received` instead. A message in another shape (a zod default) is kept and prefixed with
 * the field name. Identical lines are reported once.
 *
 * The received value is the issue's `input`, which zod keeps only when parsing with `{ reportInput: true }`.
 */
export function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  options: FormatIssuesOptions = {},
): string[] {
  const rootName = options.rootName ?? 'value';
  const lines = issues.map((issue) => {
    const field = formatPath(issue.path, rootName);
    if (!issue.message.startsWith('Expected ')) {
      return `Invalid ${field}: ${issue.message} (received ${describeReceived(issue.input)})`;
    }
    const said = issue.message.indexOf(BUT_RECEIVED);
    return said === -1
      ? `${issue.message} for ${field}${BUT_RECEIVED}${describeReceived(issue.input)}`
      : `${issue.message.slice(0, said)} for ${field}${issue.message.slice(said)}`;
  });
  return [...new Set(lines)];
}

/**
 * Formats the `received` part of an issue line: the value (strings quoted and escaped, long values cut
 * with `…`) followed by its type in parentheses; `undefined` and `null` are printed alone.
 */
export function describeReceived(value: unknown): string {
  if (value === undefined || value === null) {
    return String(value);
  }
  const type = Array.isArray(value) ? 'array' : typeof value;
  return `${represent(value)} (${type})`;
}

function represent(value: unknown): string {
  if (typeof value === 'string') {
    return value.length > MAX_RECEIVED_CHARS
      ? `${JSON.stringify(value.slice(0, MAX_RECEIVED_CHARS)).slice(0, -1)}…"`
      : JSON.stringify(value);
  }
  if (typeof value === 'object') {
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch {
      json = undefined;
    }
    const text = json ?? Object.prototype.toString.call(value);
    return text.length > MAX_RECEIVED_CHARS ? `${text.slice(0, MAX_RECEIVED_CHARS)}…` : text;
  }
  if (typeof value === 'bigint') {
    return `${value}n`;
  }
  return String(value);
}

function formatPath(path: readonly PropertyKey[], rootName: string): string {
  if (path.length === 0) {
    return rootName;
  }
  return path
    .map((segment, index) => {
      if (typeof segment === 'number') {
        return `[${segment}]`;
      }
      const name = String(segment);
      return index === 0 ? name : `.${name}`;
    })
    .join('');
}
