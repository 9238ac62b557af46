/**
 * The esbuild configuration of the Lambda bundle, shared by `npm run build` and `npm run package`.
 *
 * One ESM file for Node 22 with every dependency inlined, the AWS SDK included: the function runs the
 * SDK versions pinned in package-lock.json, never whatever the nodejs22.x runtime happens to ship.
 * `sharp` is the one external: its native addon and libvips are platform binaries that cannot be
 * bundled, so `npm run package` installs them next to the bundle for the Lambda's CPU.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { type BuildFailure, build, type Metafile } from 'esbuild';
import { CliError } from './cli.js';
import { HANDLER_ENTRY, REPO_ROOT } from './paths.js';

/** Packages left out of the bundle and resolved from `node_modules` at run time. */
export const EXTERNAL_PACKAGES: readonly string[] = ['sharp'];

/**
 * Makes `require`, `__filename` and `__dirname` exist in the ESM bundle: bundled CommonJS code (and
 * esbuild's `__require` shim for `require()` of externals and Node built-ins) needs them.
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
  /** Output file; its source map is written next to it as `<outFile>.map`. */
  outFile: string;
  /**
   * Write the map's `sources` relative to the repository root, as if the bundle sat at the root
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

/** What {@link bundleHandler} produced. */
export interface BundleResult {
  /** Absolute path of the bundle. */
  outFile: string;
  /** Size of the bundle in bytes. */
  bytes: number;
  /** Size of the source map in bytes. */
  mapBytes: number;
  /** Largest contributors to the bundle, biggest first. */
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

function contributions(metafile: Metafile): PackageContribution[] {
  const totals = new Map<string, number>();
  for (const [path, output] of Object.entries(metafile.outputs)) {
    if (path.endsWith('.map')) continue;
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input);
      totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
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
  await mkdir(dirname(options.outFile), { recursive: true });
  const result = await build({
    entryPoints: [HANDLER_ENTRY],
    outfile: options.outFile,
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
  if (options.portableSourceMap === true) await makeSourceMapPortable(`${options.outFile}.map`);
  const [bundleStat, mapStat] = await Promise.all([stat(options.outFile), stat(`${options.outFile}.map`)]);
  return {
    outFile: options.outFile,
    bytes: bundleStat.size,
    mapBytes: mapStat.size,
    packages: contributions(result.metafile),
  };
}
