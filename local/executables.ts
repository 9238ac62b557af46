/**
 * Finding a program the local tools drive (nginx for the demo and the suites, Chromium for the browser
 * suite): an explicit path wins, else the first executable of the given names on `PATH`, then in extra
 * directories (Debian puts nginx in /usr/sbin, often not on a user's PATH).
 *
 * @module
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Options of {@link findExecutable}. */
export interface FindExecutableOptions {
  /** File names to look for, in order of preference, e.g. `['chromium', 'chromium-browser']`. */
  readonly names: readonly string[];
  /**
   * An explicit path (e.g. from `NGINX_BIN`): when non-empty it is the answer if executable, and nothing
   * is searched otherwise (a wrong explicit path is not silently replaced by another program).
   */
  readonly explicit?: string | undefined;
  /** The `PATH` to search (`:`-separated on POSIX). */
  readonly path?: string | undefined;
  /** Directories searched after `PATH`. Default: none. */
  readonly extraDirectories?: readonly string[];
}

/** Whether `path` is a file this process may execute (`X_OK`). */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The program to run, by {@link FindExecutableOptions}: directory by directory, each name in turn.
 *
 * @returns its path, or `undefined` when none is found (or the explicit path is not executable).
 */
export function findExecutable(options: FindExecutableOptions): string | undefined {
  const { explicit } = options;
  if (explicit !== undefined && explicit !== '') return isExecutable(explicit) ? explicit : undefined;
  const directories = [...(options.path ?? '').split(delimiter), ...(options.extraDirectories ?? [])].filter((entry) => entry !== '');
  return directories.flatMap((directory) => options.names.map((name) => join(directory, name))).find(isExecutable);
}
