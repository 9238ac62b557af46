import { defineConfig } from 'tsup';

/**
 * Builds the published package: ESM (`index.js` + `index.d.ts`) and CommonJS (`index.cjs` +
 * `index.d.cts`). `dependencies` (the AWS SDK, zod) stay external, tsup's default; the private
 * `@preview-lambda/contract`, a devDependency, is bundled: its code by esbuild, its types through the
 * `paths` mapping of tsconfig.build.json.
 */
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  platform: 'node',
  target: 'node20',
  tsconfig: 'tsconfig.build.json',
  dts: true,
  splitting: false,
  sourcemap: false,
  clean: true,
});
