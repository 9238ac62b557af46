#!/usr/bin/env node
// The `preview-lambda-previews` command: the bundle (`npm run build -w cli`) when it was built, otherwise
// the TypeScript sources through tsx (a checkout after `npm ci`), with the same arguments and exit status.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/previews.mjs', import.meta.url));
if (existsSync(bundle)) {
  await import(bundle);
} else {
  const tsx = createRequire(import.meta.url).resolve('tsx');
  const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', tsx, '--conditions=@preview-lambda/source', main, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  // A terminal's Ctrl-C reaches the child too (same process group): only keep this process alive for it.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
}
