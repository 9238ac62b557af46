/** Small helpers shared by the build scripts: argument parsing that fails clearly, sizes, exit codes. */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** A failure whose message says everything the person running the script needs (no stack trace). */
export class CliError extends Error {
  /** Process exit code to finish with. */
  public readonly exitCode: number;

  public constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** A bad command line: exits with code 2. */
export class UsageError extends CliError {
  public constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

/** The option definitions accepted by {@link parseCliOptions}. */
export type CliOptions = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses `argv` strictly (unknown options and positionals are errors) and turns Node's parse errors
 * into a {@link UsageError} that names the offending argument and shows the usage line.
 */
export function parseCliOptions<const T extends CliOptions>(
  argv: readonly string[],
  options: T,
  usage: string,
) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${message}\nUsage: ${usage}`);
  }
}

/** Runs a script's main function, printing a {@link CliError} briefly (anything else in full) on failure. */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    if (error instanceof CliError) {
      console.error(`error: ${error.message}`);
      process.exitCode = error.exitCode;
      return;
    }
    console.error(error);
    process.exitCode = 1;
  });
}

/** Formats a byte count for humans, e.g. `1.23 MiB (1,289,748 bytes)`. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB'] as const;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const short = unit === 0 ? `${bytes} bytes` : `${value.toFixed(2)} ${units[unit]}`;
  return unit === 0 ? short : `${short} (${bytes.toLocaleString('en-US')} bytes)`;
}

/** Total size in bytes of the regular files under `directory` (symlinks are not followed). */
export async function directorySize(directory: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) total += await directorySize(path);
    else if (entry.isFile()) total += (await lstat(path)).size;
  }
  return total;
}
