/**
 * Reading a package directory written by `npm run package`: its module graph and source maps (as esbuild
 * and the maps themselves say, not by searching the text) and its installed packages.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';

/** Every installed package under `node_modules`, nested ones as `parent/node_modules/child`. */
export async function installedPackages(nodeModules: string, prefix = ''): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(nodeModules, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || !entry.isDirectory()) continue;
    const scoped = entry.name.startsWith('@');
    const packages = scoped
      ? (await readdir(join(nodeModules, entry.name))).map((name) => `${entry.name}/${name}`)
      : [entry.name];
    for (const name of packages) {
      names.push(`${prefix}${name}`);
      const nested = join(nodeModules, name, 'node_modules');
      const inner = await installedPackages(nested, `${prefix}${name}/node_modules/`).catch(() => []);
      names.push(...inner);
    }
  }
  return names.sort();
}

/** Names of sharp plus the transitive runtime dependencies it needs on linux-<cpu> with glibc. */
export async function expectedPackages(nodeModules: string, cpu: string): Promise<string[]> {
  const wanted = new Set<string>();
  const queue = ['sharp', `@img/sharp-linux-${cpu}`, `@img/sharp-libvips-linux-${cpu}`];
  while (queue.length > 0) {
    const name = queue.shift() ?? '';
    if (wanted.has(name)) continue;
    wanted.add(name);
    const manifest = JSON.parse(await readFile(join(nodeModules, name, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    queue.push(...Object.keys(manifest.dependencies ?? {}));
  }
  return [...wanted].sort();
}

/**
 * The module graph of the packaged bundle (the entry and every chunk it imports, statically or with
 * `import()`), found by letting esbuild parse it (so text inside string literals does not count). Inputs
 * are keyed by their path relative to the package directory.
 */
export async function moduleGraph(packageDir: string): Promise<Metafile['inputs']> {
  const result = await build({
    entryPoints: ['index.mjs'],
    absWorkingDir: packageDir,
    bundle: true,
    write: false,
    outdir: 'out',
    metafile: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
  });
  return result.metafile.inputs;
}

/** Bare module specifiers the bundle loads through `import` statements or `import()`. */
export function externalImports(graph: Metafile['inputs']): string[] {
  const paths = Object.values(graph).flatMap((input) =>
    input.imports.filter((entry) => entry.external).map((entry) => entry.path),
  );
  return [...new Set(paths)].sort();
}

/** The files a cold start reads: `index.mjs` and what it imports statically, however indirectly. */
export function loadedAtStart(graph: Metafile['inputs']): Set<string> {
  const seen = new Set<string>();
  const queue = ['index.mjs'];
  while (queue.length > 0) {
    const path = queue.pop() ?? '';
    if (seen.has(path)) continue;
    seen.add(path);
    for (const entry of graph[path]?.imports ?? []) {
      if (!entry.external && entry.kind === 'import-statement') queue.push(entry.path);
    }
  }
  return seen;
}

/** The source map of each JavaScript file of the package (`index.mjs`, `chunks/*.mjs`), by file. */
export async function sourceMaps(packageDir: string): Promise<Map<string, { sources: string[]; sourcesContent?: unknown }>> {
  const chunks = (await readdir(join(packageDir, 'chunks'))).filter((name) => name.endsWith('.mjs'));
  const files = ['index.mjs', ...chunks.map((name) => `chunks/${name}`)];
  const maps = await Promise.all(
    files.map(async (file) => {
      const map = JSON.parse(await readFile(join(packageDir, `${file}.map`), 'utf8')) as {
        sources: string[];
        sourcesContent?: unknown;
      };
      return [file, map] as const;
    }),
  );
  return new Map(maps);
}
