import type { z } from 'zod';

/** Options of {@link formatIssues}. */
export interface FormatIssuesOptions {
  /** Name used for the value itself when an issue has an empty path. Default: `'value'`. */
  rootName?: string;
}

/** Longest string representation of a received value before it is cut with `…`. */
const MAX_RECEIVED_CHARS = 80;

/**
 * Turns zod issues into one sharp-style line each, naming the field, what was expected and what was
 * received, e.g. `Expected positive integer for width but received "1440" (string)`.
 *
 * The schemas of this package phrase every message as `Expected <what>`; a message in another shape (a
 * zod default) is kept and prefixed with the field name. Identical lines are reported once.
 */
export function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  options: FormatIssuesOptions = {},
): string[] {
  const rootName = options.rootName ?? 'value';
  const lines = issues.map((issue) => {
    const field = formatPath(issue.path, rootName);
    const received = describeReceived(issue.input);
    return issue.message.startsWith('Expected ')
      ? `${issue.message} for ${field} but received ${received}`
      : `Invalid ${field}: ${issue.message} (received ${received})`;
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
