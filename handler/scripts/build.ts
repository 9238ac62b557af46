/**
 * `npm run build`: bundles handler/src/index.ts into handler/dist (the entry index.mjs and chunks/, each
 * with its .map) and prints the size of each file, what a cold start reads, and the packages that weigh
 * most. See lib/bundle.ts for the esbuild configuration.
 */
import { resolve } from 'node:path';
import { bundleHandler, ENTRY_FILE } from './lib/bundle.js';
import { formatBytes, parseCliOptions, runMain, UsageError } from './lib/cli.js';
import { DIST_DIR } from './lib/paths.js';
import { invocationDirectory } from './lib/env.js';

const USAGE = 'npm run build -- [--outdir DIR] [--top N]';

async function main(): Promise<void> {
  const values = parseCliOptions(
    process.argv.slice(2),
    {
      outdir: { type: 'string', default: DIST_DIR },
      top: { type: 'string', default: '12' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    USAGE,
  );
  if (values.help) {
    console.log(`Usage: ${USAGE}`);
    return;
  }
  const top = Number(values.top);
  if (!Number.isInteger(top) || top < 0) {
    throw new UsageError(`--top: expected a non-negative integer but received "${values.top}"`);
  }
  if (values.outdir === '') throw new UsageError('--outdir: expected a directory but received an empty string');
  const outDir = resolve(invocationDirectory(), values.outdir);

  const started = performance.now();
  const result = await bundleHandler({ outDir });
  const elapsed = Math.round(performance.now() - started);

  console.log(`Bundled ${result.entryFile} in ${elapsed} ms`);
  console.log(`  bundle:        ${formatBytes(result.bytes)} in ${result.files.length} files`);
  console.log(`  read at start: ${formatBytes(result.startBytes)} (the entry and the chunks it imports)`);
  console.log(`  source maps:   ${formatBytes(result.mapBytes)}`);
  console.log(`  files (at start = imported by the entry; on demand = read when an import() runs):`);
  for (const file of result.files) {
    const when = file.path === ENTRY_FILE ? 'entry' : file.loadedAtStart ? 'at start' : 'on demand';
    const largest = file.packages[0]?.name ?? '';
    console.log(`    ${formatBytes(file.bytes).padEnd(32)} ${when.padEnd(9)}  ${file.path.padEnd(36)} ${largest}`);
  }
  if (top > 0) {
    console.log(`  largest contributors:`);
    for (const { name, bytes } of result.packages.slice(0, top)) {
      const share = ((bytes / result.bytes) * 100).toFixed(1).padStart(5);
      console.log(`    ${share}%  ${formatBytes(bytes).padEnd(32)} ${name}`);
    }
  }
}

runMain(main);
