import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts', 'connectors/**/*.test.ts'],
    exclude: ['test/long/**', 'node_modules/**', 'dist/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores here: e2e files spawn servers, so keep parallelism modest.
    maxWorkers: 2,
    pool: 'forks',
  },
});
