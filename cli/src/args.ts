/**
 * The command line: `preview-lambda-previews <backfill|purge|verify> [flags]`, parsed with Node's
 * `util.parseArgs` (strict: an unknown flag is an error) and checked.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { CommandLineError } from './errors.js';

/** The commands. */
export const COMMANDS = ['backfill', 'purge', 'verify'] as const;
/** One of {@link COMMANDS}. */
export type Command = (typeof COMMANDS)[number];

/** The parsed command line. */
export interface CommandLine {
  readonly command: Command;
  readonly bucket: string | undefined;
  readonly destinationBucket: string | undefined;
  readonly functionName: string | undefined;
  readonly stack: string | undefined;
  /** Original-key prefix, e.g. `photo/sub/` (default: the whole originals prefix). */
  readonly prefix: string | undefined;
  /** Preset names (each with its variants) or variant segments such as `small@avif` (default: all). */
  readonly presets: readonly string[] | undefined;
  readonly startAfter: string | undefined;
  readonly concurrency: number;
  readonly retries: number;
  readonly dryRun: boolean;
  readonly fix: boolean;
  readonly json: boolean;
  readonly count: boolean;
  readonly progressIntervalMs: number;
}

/** The usage text. */
export const USAGE = `usage: npm run previews -- <command> [flags]        (or: npx preview-lambda-previews <command> [flags])

commands
  backfill   generate the missing previews of every original (through the function, as the proxy does)
  purge      delete the previews below --prefix (S3 DeleteObjects with your credentials)
  verify     report missing, stale and orphan previews; --fix deletes stale and orphans, generates the rest

target (real AWS: the SDK's usual credentials and AWS_REGION; layout from SOURCE_PREFIX, PREVIEW_ROOT, PRESETS)
  --bucket NAME              bucket of the originals (SOURCE_BUCKET)
  --destination-bucket NAME  bucket of the previews (DESTINATION_BUCKET; default: --bucket)
  --function NAME            the preview function (PREVIEW_FUNCTION_NAME)
  --stack FILE               the npm start stack: endpoints, credentials, bucket, function and layout from FILE
  --local                    same as --stack .local/stack.json

selection
  --prefix KEY_PREFIX        originals below this key prefix, e.g. photo/2024/ (purge: required)
  --presets a,b              these presets only, each with its formats, or one variant (small@avif) (default: all)
  --start-after KEY          resume after this original key (a summary prints it when a run stops early)

run
  --concurrency N            originals worked on at once (default 8)
  --retries N                retries of a transient failure (default 3)
  --dry-run                  change nothing; count what would be done
  --fix                      verify: repair what it finds
  --json                     print a JSON summary on stdout (findings and failures included)
  --no-count                 do not count the originals first (no total, no ETA)
  --progress-interval S      seconds between progress lines when stderr is not a terminal (default 10)

originals the function cannot preview (not an image, corrupt…) are listed as unusable, not failures.
exit status: 0 done, nothing failed (verify: nothing found, or all fixed); 1 something failed or was found;
2 bad usage or configuration; 130 interrupted (Ctrl-C; a second Ctrl-C aborts running invocations)
`;

function integer(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) throw new CommandLineError(`--${flag}: expected an integer from ${min} to ${max} but received ${JSON.stringify(raw)}`);
  return value;
}

/**
 * Parses `argv` (without node and the script).
 *
 * @throws {CommandLineError} naming the problem; `--help` throws one whose message is the usage.
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new CommandLineError((error as Error).message, { cause: error });
  }
  const { values, positionals } = parsed;
  if (values.help) throw new CommandLineError(USAGE);
  const [command, ...extra] = positionals;
  if (command === undefined) throw new CommandLineError(`missing the command (${COMMANDS.join(', ')})`);
  if (!(COMMANDS as readonly string[]).includes(command)) throw new CommandLineError(`unknown command ${JSON.stringify(command)} (${COMMANDS.join(', ')})`);
  if (extra.length > 0) throw new CommandLineError(`unexpected argument(s) ${extra.map((arg) => JSON.stringify(arg)).join(' ')}`);
  if (values.fix && command !== 'verify') throw new CommandLineError('--fix is a flag of verify');
  if (command === 'purge' && values.prefix === undefined) throw new CommandLineError('purge needs --prefix (e.g. --prefix photo/ for every original)');
  if (values.local && values.stack !== undefined) throw new CommandLineError('give --stack or --local, not both');
  const presets = values.presets?.split(',').map((name) => name.trim()).filter((name) => name !== '');
  return {
    command: command as Command,
    bucket: values.bucket,
    destinationBucket: values['destination-bucket'],
    functionName: values.function,
    stack: values.local ? '.local/stack.json' : values.stack,
    prefix: values.prefix,
    presets,
    startAfter: values['start-after'],
    concurrency: integer('concurrency', values.concurrency, 8, 1, 256),
    retries: integer('retries', values.retries, 3, 0, 20),
    dryRun: values['dry-run'] ?? false,
    fix: values.fix ?? false,
    json: values.json ?? false,
    count: !(values['no-count'] ?? false),
    progressIntervalMs: integer('progress-interval', values['progress-interval'], 10, 1, 3600) * 1000,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      bucket: { type: 'string' },
      'destination-bucket': { type: 'string' },
      function: { type: 'string' },
      stack: { type: 'string' },
      local: { type: 'boolean' },
      prefix: { type: 'string' },
      presets: { type: 'string' },
      'start-after': { type: 'string' },
      concurrency: { type: 'string' },
      retries: { type: 'string' },
      'dry-run': { type: 'boolean' },
      fix: { type: 'boolean' },
      json: { type: 'boolean' },
      'no-count': { type: 'boolean' },
      'progress-interval': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
