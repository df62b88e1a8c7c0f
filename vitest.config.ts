import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The long suite (crash loops, big fuzz runs) only with LONG_TESTS=1: `vitest run --dir test/long`
    // (--dir makes the patterns relative to test/long, hence the bare one).
    include: ['test/**/*.test.ts', 'src/**/*.test.ts', 'connectors/**/*.test.ts', ...(process.env.LONG_TESTS ? ['*.test.ts'] : [])],
    exclude: [...(process.env.LONG_TESTS ? [] : ['test/long/**']), 'node_modules/**', 'dist/**'],
    setupFiles: ['test/setup/fast-check-seed.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores here: e2e files spawn servers, so keep parallelism modest.
    maxWorkers: 2,
    pool: 'forks',
  },
});
