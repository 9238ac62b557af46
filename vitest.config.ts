import { defineConfig } from 'vitest/config';

/**
 * In-repo consumers run the workspaces' sources: the invoker's `@preview-lambda/source` export condition
 * points at `invoker/src` (the published package still resolves to its build).
 */
const conditions = ['@preview-lambda/source'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
