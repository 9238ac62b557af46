/** Well-known locations in the repository, resolved from this file so scripts work from any cwd. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The `handler` workspace directory. */
export const HANDLER_DIR = resolve(here, '..', '..');

/** The repository root (the npm workspace root). */
export const REPO_ROOT = resolve(HANDLER_DIR, '..');

/** The Lambda entry point that gets bundled. */
export const HANDLER_ENTRY = resolve(HANDLER_DIR, 'src', 'index.ts');

/** Where `npm run build` writes the bundle. */
export const DIST_DIR = resolve(HANDLER_DIR, 'dist');

/** Parent of the default `npm run package` output directories (gitignored). */
export const PACKAGE_ROOT = resolve(HANDLER_DIR, '.package');
