/** Safe clearing of a package output directory. */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { CliError } from './cli.js';
import { CHUNKS_DIR, ENTRY_FILE } from './bundle.js';
import { REPO_ROOT } from './paths.js';

/** The entries a package directory may hold; anything else means `--out` points somewhere wrong. */
export const PACKAGE_ENTRIES: ReadonlySet<string> = new Set([
  ENTRY_FILE,
  `${ENTRY_FILE}.map`,
  CHUNKS_DIR,
  'package.json',
  'package-lock.json',
  'node_modules',
]);

/** True when `inner` is `outer` or lies inside it. */
function isWithin(inner: string, outer: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep));
}

/**
 * Empties `directory` (creating it if needed) but refuses when that could destroy something that is not
 * a previous package: the repository or one of its parents, or a directory holding other entries.
 */
export async function prepareOutDir(directory: string, flag: string): Promise<void> {
  if (isWithin(REPO_ROOT, directory)) {
    throw new CliError(`${flag} ${directory}: refusing to clear a directory that contains the repository`);
  }
  const entries = await readdir(directory).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const foreign = entries.filter((name) => !PACKAGE_ENTRIES.has(name));
  if (foreign.length > 0) {
    throw new CliError(
      `${flag} ${directory}: refusing to clear it, it holds entries a package never has: ${foreign.join(', ')}`,
    );
  }
  await Promise.all(entries.map((name) => rm(join(directory, name), { recursive: true, force: true })));
  await mkdir(directory, { recursive: true });
}
