#!/usr/bin/env node
/**
 * `npm run previews -- <backfill|purge|verify> [flags]` (bin `preview-lambda-previews`): backfill, purge
 * and verify the previews of a bucket's originals. See `--help` and the README, "Keeping previews in step
 * with originals".
 */
import { runCli } from './run.js';
import { loadEnvironment } from './environment.js';

process.exitCode = await runCli(process.argv.slice(2), loadEnvironment(), {
  stdout: process.stdout,
  stderr: process.stderr,
  onInterrupt(handler) {
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    return () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    };
  },
});
