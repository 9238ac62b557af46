/**
 * Cold import time of the bundled handler (`handler/dist/index.mjs` and the chunks it imports, sharp
 * included), each in a fresh Node process.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RECOMMENDED_MALLOC_ARENA_MAX } from '@preview-lambda/handler/image';
import { median, round1 } from './stats.js';

/** Five cold imports, or why there are none. */
export type ColdImport = { ms: number[]; medianMs: number } | string;

/** Spawn a fresh node with `code` as an ES module and `env`, and return what it prints. */
function runModule(code: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out.trim());
      else {
        // Node prints the offending source line first; the error's own line is the useful one.
        const line = err.split('\n').find((l) => /^\w*Error\b/.test(l.trim())) ?? `exit ${code}`;
        reject(new Error(line.trim().slice(0, 300)));
      }
    });
  });
}

/**
 * Milliseconds one fresh Node process takes to import `bundleFile` (an ES module, such as the bundled
 * handler's `index.mjs`), with the handler's configuration set to placeholders plus `env`.
 * Throws when the import fails.
 */
export async function coldImportOnce(bundleFile: string, env: Readonly<Record<string, string>> = {}): Promise<number> {
  const url = pathToFileURL(bundleFile).href;
  const code = [
    'const t = performance.now();',
    `await import(${JSON.stringify(url)});`,
    'console.log(performance.now() - t);',
  ].join(' ');
  // The handler validates its configuration at import: placeholders, nothing is called at import time.
  const childEnv = {
    ...process.env,
    SOURCE_BUCKETS: 'bench-source',
    DESTINATION_BUCKETS: 'bench-destination',
    IDEMPOTENCY_TABLE_NAME: 'bench-idempotency',
    // The catalogue is required since the layout is the function's own (without it the import fails).
    PRESETS: 'small=320;avif;webp,medium=720;avif;webp,large=1440;avif;webp',
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    MALLOC_ARENA_MAX: RECOMMENDED_MALLOC_ARENA_MAX,
    ...env,
  };
  return round1(Number(await runModule(code, childEnv)));
}

/** Imports `<root>/handler/dist/index.mjs` five times, each in a fresh process. */
export async function coldImport(root: string): Promise<ColdImport> {
  const bundle = join(root, 'handler/dist/index.mjs');
  if (!existsSync(bundle)) return 'n/a (run npm run build first)';
  const ms: number[] = [];
  try {
    for (let i = 0; i < 5; i++) ms.push(await coldImportOnce(bundle));
  } catch (error) {
    return `failed: ${error instanceof Error ? error.message : String(error)}`;
  }
  return { ms, medianMs: median(ms) };
}

/** One line describing `cold`. */
export function describeCold(cold: ColdImport): string {
  if (typeof cold === 'string') return cold;
  return `${cold.medianMs} ms median of [${cold.ms.join(', ')}]`;
}
