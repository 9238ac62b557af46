/**
 * `npm run build`: bundles handler/src/index.ts into handler/dist/index.mjs (+ .map) and prints its size
 * and the packages that weigh most in it. See lib/bundle.ts for the esbuild configuration.
 */
import { join, resolve } from 'node:path';
import { bundleHandler } from './lib/bundle.js';
import { formatBytes, parseCliOptions, runMain, UsageError } from './lib/cli.js';
import { DIST_DIR } from './lib/paths.js';
import { invocationDirectory } from './lib/env.js';

const USAGE = 'npm run build -- [--outfile FILE] [--top N]';

async function main(): Promise<void> {
  const values = parseCliOptions(
    process.argv.slice(2),
    {
      outfile: { type: 'string', default: join(DIST_DIR, 'index.mjs') },
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
  const outFile = resolve(invocationDirectory(), values.outfile);

  const started = performance.now();
  const result = await bundleHandler({ outFile });
  const elapsed = Math.round(performance.now() - started);

  console.log(`Bundled ${result.outFile} in ${elapsed} ms`);
  console.log(`  bundle:     ${formatBytes(result.bytes)}`);
  console.log(`  source map: ${formatBytes(result.mapBytes)}`);
  if (top > 0) {
    console.log(`  largest contributors:`);
    for (const { name, bytes } of result.packages.slice(0, top)) {
      const share = ((bytes / result.bytes) * 100).toFixed(1).padStart(5);
      console.log(`    ${share}%  ${formatBytes(bytes).padEnd(32)} ${name}`);
    }
  }
}

runMain(main);
