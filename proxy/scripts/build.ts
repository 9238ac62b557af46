/**
 * `npm run build -w proxy`: bundles the proxy into one ESM file, `proxy/dist/main.mjs`, that runs with
 * plain `node` (no tsx, no TypeScript, no devDependencies): what a server or container runs in production.
 */
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The proxy's entry point. */
const PROXY_ENTRY = fileURLToPath(new URL('../src/main.ts', import.meta.url));
/** Where the bundle is written. */
const PROXY_BUNDLE = fileURLToPath(new URL('../dist/main.mjs', import.meta.url));

/** Bundled CommonJS dependencies (pino, the AWS SDK) call `require`, which ESM lacks. */
const CJS_SHIM = "import { createRequire as __bundleCreateRequire } from 'node:module';\nconst require = __bundleCreateRequire(import.meta.url);";

await build({
  entryPoints: [PROXY_ENTRY],
  outfile: PROXY_BUNDLE,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // The invoker from its sources (the condition in-repo consumers use), so the bundle needs no prior build.
  conditions: ['@preview-lambda/source'],
  // Error classes set literal names: minified class names never reach the logs.
  minify: true,
  sourcemap: 'external',
  sourcesContent: false,
  legalComments: 'none',
  banner: { js: CJS_SHIM },
  logLevel: 'warning',
});
const { size } = await stat(PROXY_BUNDLE);
console.log(`proxy bundle: ${PROXY_BUNDLE} (${(size / 1024).toFixed(1)} KiB); run it with: node ${PROXY_BUNDLE}`);
