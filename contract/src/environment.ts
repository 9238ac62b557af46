/**
 * The one environment recipe of every deployable (t3-env style): one zod object schema per deployable,
 * zod's own coercions (`z.coerce.number()`, `z.stringbool()`, `z.url()`), and one rule for empty
 * variables, parsed once at start-up by the deployable's `config.ts`.
 *
 * **Empty means unset.** A variable that is absent, empty or only whitespace takes its default (or is
 * missing, when required): templates and process managers often write `NAME=` for "not configured", and a
 * zero-length bucket, width or flag is never a meaningful value here.
 *
 * @module
 */
import * as z from 'zod';

/** The environment as a process sees it. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Outcome of {@link parseEnvironment}: the typed values, or one line per bad variable. */
export type EnvironmentResult<T> = { ok: true; data: T } | { ok: false; issues: string[] };

/**
 * Parses the variables `schema` names out of `env`: values trimmed, empty ones unset, then
 * `schema.safeParse`. Every problem becomes one line `NAME: message (received "raw")`, or
 * `NAME: message (not set)`, so one message can name every bad variable.
 */
export function parseEnvironment<Schema extends z.ZodObject>(
  schema: Schema,
  env: Environment,
): EnvironmentResult<z.output<Schema>> {
  const input = environmentInput(Object.keys(schema.shape), env);
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, issues: formatEnvironmentIssues(result.error.issues, input) };
}

/** `env` restricted to `names`, trimmed, with empty values unset (see the module documentation). */
export function environmentInput(names: readonly string[], env: Environment): Record<string, string | undefined> {
  const input: Record<string, string | undefined> = {};
  for (const name of names) {
    const value = env[name]?.trim();
    input[name] = value === '' ? undefined : value;
  }
  return input;
}

/**
 * One line per issue, `NAME: message (received "raw")` with the variable's own raw value (or `(not set)`),
 * unless the message already quotes that value (or, for an unset variable, says what it received).
 */
export function formatEnvironmentIssues(
  issues: readonly z.core.$ZodIssue[],
  input: Readonly<Record<string, string | undefined>>,
): string[] {
  const lines = issues.map((issue) => {
    const name = String(issue.path[0] ?? 'environment');
    const raw = input[name];
    const said =
      raw === undefined ? / but (received|neither|both)\b/.test(issue.message) : issue.message.includes(JSON.stringify(raw));
    if (said) return `${name}: ${issue.message}`;
    const received = raw === undefined ? 'not set' : `received ${JSON.stringify(raw)}`;
    return `${name}: ${issue.message} (${received})`;
  });
  return [...new Set(lines)];
}

/** An integer variable from `min` to `max` (`z.coerce.number()`, so `"1e3"` is 1000). */
export function envInteger(min: number, max: number = Number.MAX_SAFE_INTEGER) {
  const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
  const error = `Expected an integer ${range}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

/** A flag: `true`/`1`/`yes`/`on` or `false`/`0`/`no`/`off`, any case (`z.stringbool()`). */
export function envBoolean() {
  return z.stringbool({ error: 'Expected true or false' });
}

/** An `http` or `https` URL (`z.url()`). */
export function envUrl() {
  return z.url({ protocol: /^https?$/, error: 'Expected an http(s) URL' });
}

/** A comma-separated list of `item`s, blanks around and between commas ignored, at least one. */
export function envList<Item extends z.ZodType<unknown, string>>(item: Item, expected: string) {
  return z
    .string()
    .transform((raw) =>
      raw
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== ''),
    )
    .pipe(z.array(item, { error: `Expected ${expected}` }).min(1, { error: `Expected ${expected}` }));
}

/** One of `values`, any case, given back as written in `values`. */
export function envChoice<const Values extends readonly [string, ...string[]]>(values: Values) {
  const error = `Expected one of ${values.join(', ')}`;
  return z
    .string()
    .transform((raw) => values.find((value) => value.toLowerCase() === raw.toLowerCase()) ?? raw)
    .pipe(z.enum(values, { error }));
}
