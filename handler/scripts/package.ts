/**
 * `npm run package -- [--arch arm64|x86_64] [--out DIR]`: writes the exact directory Lambda runs —
 * the bundle (the entry index.mjs and its chunks/, each with its source map), a minimal package.json, and node_modules holding sharp built for
 * linux + the target CPU + glibc (whatever machine this runs on). SAM's makefile build calls it with
 * `--out $(ARTIFACTS_DIR)`; it also works alone for a zip upload or a local smoke test.
 */
import { access, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { bundleHandler } from './lib/bundle.js';
import { CliError, directorySize, formatBytes, parseCliOptions, runMain, UsageError } from './lib/cli.js';
import { runNpm } from './lib/npm.js';
import { prepareOutDir } from './lib/out-dir.js';
import { HANDLER_DIR, PACKAGE_ROOT } from './lib/paths.js';
import { invocationDirectory } from './lib/env.js';

const USAGE = 'npm run package -- [--arch arm64|x86_64] [--out DIR]';

/** Lambda architecture names and the npm `--cpu` value of each. */
const NPM_CPU = { arm64: 'arm64', x86_64: 'x64' } as const;

/** A Lambda architecture. */
type Architecture = keyof typeof NPM_CPU;

/** Largest unzipped deployment package Lambda accepts (function code + layers). */
const LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024;

function isArchitecture(value: string): value is Architecture {
  return Object.hasOwn(NPM_CPU, value);
}

/** The exact sharp version handler/package.json depends on. */
async function pinnedSharpVersion(): Promise<string> {
  const manifestPath = join(HANDLER_DIR, 'package.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const version = manifest.dependencies?.sharp;
  if (version === undefined) throw new CliError(`${manifestPath} has no "sharp" dependency`);
  if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(version)) {
    throw new CliError(`${manifestPath} must pin sharp to an exact version, but it says "${version}"`);
  }
  return version;
}

/** Fails unless sharp's native packages for linux-<cpu> (glibc) were installed. */
async function verifySharpBinaries(outDir: string, cpu: string): Promise<void> {
  const required = [`@img/sharp-linux-${cpu}`, `@img/sharp-libvips-linux-${cpu}`];
  const missing: string[] = [];
  for (const name of required) {
    try {
      await access(join(outDir, 'node_modules', name, 'package.json'));
    } catch {
      missing.push(name);
    }
  }
  if (missing.length > 0) {
    throw new CliError(
      `sharp's native packages for linux-${cpu} (glibc) are missing from ${join(outDir, 'node_modules')}: ` +
        `${missing.join(', ')}. Does this npm support --os/--cpu/--libc (npm >= 10)?`,
    );
  }
}

async function main(): Promise<void> {
  const values = parseCliOptions(
    process.argv.slice(2),
    {
      arch: { type: 'string', default: 'arm64' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    USAGE,
  );
  if (values.help) {
    console.log(`Usage: ${USAGE}`);
    return;
  }
  const arch = values.arch;
  if (!isArchitecture(arch)) {
    throw new UsageError(`--arch: expected one of ${Object.keys(NPM_CPU).join(', ')} but received "${arch}"`);
  }
  if (values.out === '') throw new UsageError('--out: expected a directory but received an empty string');
  const cpu = NPM_CPU[arch];
  // `npm run` starts scripts in the repository root; resolve --out against where the user typed it.
  const outDir = resolve(invocationDirectory(), values.out ?? join(PACKAGE_ROOT, arch));

  await prepareOutDir(outDir, '--out');
  const sharpVersion = await pinnedSharpVersion();

  const bundle = await bundleHandler({ outDir, portableSourceMap: true });
  console.log(
    `Bundle: ${formatBytes(bundle.bytes)} in ${bundle.files.length} files, ${formatBytes(bundle.startBytes)} ` +
      `read at start (+ ${formatBytes(bundle.mapBytes)} source maps)`,
  );

  const manifest = { type: 'module', private: true, dependencies: { sharp: sharpVersion } };
  await writeFile(join(outDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  console.log(`Installing sharp ${sharpVersion} for linux-${cpu} (glibc) into ${outDir}`);
  await runNpm(
    [
      'install',
      '--omit=dev',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      '--ignore-scripts',
      '--workspaces=false',
      '--os=linux',
      `--cpu=${cpu}`,
      '--libc=glibc',
    ],
    outDir,
  );
  await verifySharpBinaries(outDir, cpu);
  // CLI shims of sharp's dependencies (e.g. `semver`): symlinks that Lambda never runs.
  await rm(join(outDir, 'node_modules', '.bin'), { recursive: true, force: true });

  const size = await directorySize(outDir);
  console.log(`Package for ${arch}: ${outDir}`);
  console.log(`  unzipped size: ${formatBytes(size)} (Lambda limit ${formatBytes(LAMBDA_UNZIPPED_LIMIT)})`);
  if (size > LAMBDA_UNZIPPED_LIMIT) {
    throw new CliError(
      `the package is larger than Lambda's unzipped limit of ${LAMBDA_UNZIPPED_LIMIT} bytes`,
    );
  }
}

runMain(main);
