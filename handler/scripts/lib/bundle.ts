/**
 * The esbuild configuration of the Lambda bundle, shared by `npm run build` and `npm run package`.
 *
 * ESM for Node 22 with every dependency inlined, the AWS SDK included: the function runs the SDK
 * versions pinned in package-lock.json, never whatever the nodejs22.x runtime happens to ship. `sharp` is
 * the one external: its native addon and libvips are platform binaries that cannot be bundled, so
 * `npm run package` installs them next to the bundle for the Lambda's CPU.
 *
 * Code splitting: the entry `index.mjs` (the template's `index.handler`) plus chunks under `chunks/`.
 * Every dynamic `import()` becomes a chunk that is read only when it runs: the Tracer and the X-Ray SDK
 * (loaded only when `POWERTOOLS_TRACE_ENABLED` is on, handler/src/tracing.ts) and the AWS SDK's lazily
 * loaded credential providers, which a cold start with tracing off therefore never parses. Code both
 * sides share goes to chunks the entry imports statically.
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { type BuildFailure, build, type Metafile } from 'esbuild';
import { CliError } from './cli.js';
import { HANDLER_ENTRY, REPO_ROOT } from './paths.js';

/** Packages left out of the bundle and resolved from `node_modules` at run time. */
export const EXTERNAL_PACKAGES: readonly string[] = ['sharp'];

/** File name of the entry point in the output directory (the template's `Handler: index.handler`). */
export const ENTRY_FILE = 'index.mjs';

/** Directory of the chunks, relative to the output directory. */
export const CHUNKS_DIR = 'chunks';

/**
 * Makes `require`, `__filename` and `__dirname` exist in the ESM bundle: bundled CommonJS code (and
 * esbuild's `__require` shim for `require()` of externals and Node built-ins) needs them. esbuild writes
 * a banner at the top of every output file; only the chunk holding esbuild's runtime helpers (where
 * `__require` lives: the X-Ray SDK's `require('crypto')` calls it) uses `require`, but which chunk that
 * is changes with the code. In the others the banner costs three imports of cached Node built-ins and
 * one `createRequire` call.
 */
const CJS_SHIM = [
  "import { createRequire as __bundleCreateRequire } from 'node:module';",
  "import { fileURLToPath as __bundleFileURLToPath } from 'node:url';",
  "import { dirname as __bundleDirname } from 'node:path';",
  'const require = __bundleCreateRequire(import.meta.url);',
  'const __filename = __bundleFileURLToPath(import.meta.url);',
  'const __dirname = __bundleDirname(__filename);',
].join('\n');

/** Options for {@link bundleHandler}. */
export interface BundleOptions {
  /**
   * Output directory: the entry `index.mjs`, the chunks under `chunks/`, each file with its source map
   * next to it (`<file>.map`). The entry, its map and `chunks/` are replaced; nothing else there is touched.
   */
  outDir: string;
  /**
   * Write each map's `sources` relative to the repository root, as if the bundle sat at the root
   * (`handler/src/config.ts`, `node_modules/...`) instead of relative to wherever it was written. The
   * package then does not depend on the build directory (same bytes from any checkout or SAM scratch
   * copy) and Lambda stack traces read `/var/task/handler/src/config.ts:148`. Defaults to false, which
   * keeps the map usable by local tools next to the sources.
   */
  portableSourceMap?: boolean;
}

/** Bytes contributed to the bundle by one npm package (or by first-party code). */
export interface PackageContribution {
  /** Package name, or `(project)` for code outside `node_modules`. */
  name: string;
  /** Bytes of minified output attributed to it. */
  bytes: number;
}

/** One JavaScript file of the bundle (the entry or a chunk). */
export interface BundleFile {
  /** Path relative to the output directory, with `/` separators (`index.mjs`, `chunks/esm-22BZCUYX.mjs`). */
  path: string;
  /** Size in bytes. */
  bytes: number;
  /** Size of its source map (`<path>.map`) in bytes. */
  mapBytes: number;
  /**
   * True when importing the entry loads it (the entry itself and the chunks it imports statically, however
   * indirectly); false for a chunk read only when an `import()` runs.
   */
  loadedAtStart: boolean;
  /** Its largest contributors, biggest first. */
  packages: readonly PackageContribution[];
}

/** What {@link bundleHandler} produced. */
export interface BundleResult {
  /** Absolute path of the output directory. */
  outDir: string;
  /** Absolute path of the entry (`<outDir>/index.mjs`). */
  entryFile: string;
  /** The entry first, then the chunks loaded at start, then the others, each group biggest first. */
  files: readonly BundleFile[];
  /** Bytes of JavaScript, all files. */
  bytes: number;
  /** Bytes of JavaScript a cold start reads (the files with `loadedAtStart`). */
  startBytes: number;
  /** Bytes of source maps, all files. */
  mapBytes: number;
  /** Largest contributors to the whole bundle, biggest first. */
  packages: readonly PackageContribution[];
}

/** Name of the npm package an input path belongs to, or `(project)`. */
function packageOf(input: string): string {
  const marker = 'node_modules/';
  const index = input.lastIndexOf(marker);
  if (index === -1) return '(project)';
  const [scopeOrName = '', name = ''] = input.slice(index + marker.length).split('/');
  return scopeOrName.startsWith('@') ? `${scopeOrName}/${name}` : scopeOrName;
}

type Output = Metafile['outputs'][string];

function contributions(outputs: readonly Output[]): PackageContribution[] {
  const totals = new Map<string, number>();
  for (const output of outputs) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input);
      totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/**
 * The JavaScript outputs reachable from `entry` (metafile paths, `entry` included) through static imports,
 * or also through `import()` when `dynamic` is true.
 */
function reachable(outputs: Metafile['outputs'], entry: string, dynamic: boolean): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const path = queue.pop() ?? '';
    if (seen.has(path)) continue;
    seen.add(path);
    for (const { path: imported, kind, external } of outputs[path]?.imports ?? []) {
      if (!external && (kind === 'import-statement' || (dynamic && kind === 'dynamic-import'))) queue.push(imported);
    }
  }
  return seen;
}

/** Rewrites a source map's `sources` relative to the repository root (see `portableSourceMap`). */
async function makeSourceMapPortable(mapFile: string): Promise<void> {
  const map = JSON.parse(await readFile(mapFile, 'utf8')) as { sources?: string[] };
  const directory = dirname(mapFile);
  map.sources = (map.sources ?? []).map((source) =>
    relative(REPO_ROOT, resolve(directory, source)).split(sep).join('/'),
  );
  await writeFile(mapFile, JSON.stringify(map));
}

function isBuildFailure(error: unknown): error is BuildFailure {
  return error instanceof Error && Array.isArray((error as Partial<BuildFailure>).errors);
}

/** Bundles the handler with esbuild and reports what went into it. */
export async function bundleHandler(options: BundleOptions): Promise<BundleResult> {
  const outDir = resolve(options.outDir);
  const entryFile = join(outDir, ENTRY_FILE);
  // Chunk names carry a content hash: without this, every build would leave the previous chunks behind.
  await Promise.all(
    [entryFile, `${entryFile}.map`, join(outDir, CHUNKS_DIR)].map((path) => rm(path, { recursive: true, force: true })),
  );
  await mkdir(outDir, { recursive: true });
  const result = await build({
    entryPoints: { index: HANDLER_ENTRY },
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: `${CHUNKS_DIR}/[name]-[hash]`,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    // Prefer the ESM builds (`module`) of dual packages such as the AWS SDK: they tree-shake far better.
    mainFields: ['module', 'main'],
    external: [...EXTERNAL_PACKAGES],
    // Every error class sets a literal `name`, so minified class names do not reach logs or Lambda's
    // `errorType`.
    minify: true,
    // `linked` = external .map file plus a `sourceMappingURL` comment, which NODE_OPTIONS=--enable-source-maps
    // follows. No sources inside the map: stack traces only need the mappings.
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    charset: 'utf8',
    banner: { js: CJS_SHIM },
    metafile: true,
    logLevel: 'warning',
  }).catch((error: unknown) => {
    // esbuild has already printed each error with its source location.
    if (isBuildFailure(error))
      throw new CliError(`esbuild failed with ${error.errors.length} error(s), see above`);
    throw error;
  });
  // Metafile paths are relative to the working directory.
  const outputs = result.metafile.outputs;
  const written = Object.keys(outputs).filter((path) => !path.endsWith('.map'));
  const entryKey = written.find((path) => resolve(path) === entryFile);
  if (entryKey === undefined) throw new CliError(`esbuild wrote no ${entryFile}`);
  // esbuild can write a chunk for an `import()` that tree shaking then dropped (today one, `bowser`):
  // nothing imports it, so it goes.
  const used = reachable(outputs, entryKey, true);
  const unused = written.filter((path) => !used.has(path));
  await Promise.all(unused.flatMap((path) => [rm(resolve(path)), rm(`${resolve(path)}.map`)]));
  const scripts = written.filter((path) => used.has(path));
  const atStart = reachable(outputs, entryKey, false);
  if (options.portableSourceMap === true) {
    await Promise.all(scripts.map((path) => makeSourceMapPortable(`${resolve(path)}.map`)));
  }
  const files = await Promise.all(
    scripts.map(async (path): Promise<BundleFile> => {
      const absolute = resolve(path);
      const [fileStat, mapStat] = await Promise.all([stat(absolute), stat(`${absolute}.map`)]);
      return {
        path: relative(outDir, absolute).split(sep).join('/'),
        bytes: fileStat.size,
        mapBytes: mapStat.size,
        loadedAtStart: atStart.has(path),
        packages: contributions([outputs[path] as Output]),
      };
    }),
  );
  const rank = (file: BundleFile): number => (file.path === ENTRY_FILE ? 0 : file.loadedAtStart ? 1 : 2);
  files.sort((a, b) => rank(a) - rank(b) || b.bytes - a.bytes);
  const sum = (list: readonly BundleFile[], size: (file: BundleFile) => number): number =>
    list.reduce((total, file) => total + size(file), 0);
  return {
    outDir,
    entryFile,
    files,
    bytes: sum(files, (file) => file.bytes),
    startBytes: sum(files.filter((file) => file.loadedAtStart), (file) => file.bytes),
    mapBytes: sum(files, (file) => file.mapBytes),
    packages: contributions(scripts.map((path) => outputs[path] as Output)),
  };
}
