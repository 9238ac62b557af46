import { defineConfig } from 'tsup';

/**
 * Builds the published package: ESM (`index.js` + `index.d.ts`) and CommonJS (`index.cjs` +
 * `index.d.cts`). The private `@preview-lambda/contract` workspace is bundled, code and types; the AWS
 * SDK and zod stay dependencies.
 */
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  platform: 'node',
  target: 'node20',
  tsconfig: 'tsconfig.build.json',
  noExternal: ['@preview-lambda/contract'],
  external: ['@aws-sdk/client-lambda', 'zod'],
  dts: true,
  splitting: false,
  sourcemap: false,
  clean: true,
});
