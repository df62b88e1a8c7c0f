import { defineConfig } from 'vitest/config';
import { PATIENCE_MS, POLL_INTERVAL_MS, TEST_TIMEOUT_MS } from './test/helpers/timing.js';

export default defineConfig({
  test: {
    // The long suite (crash loops, big fuzz runs) only with LONG_TESTS=1: `vitest run --dir test/long`
    // (--dir makes the patterns relative to test/long, hence the bare one).
    include: ['test/**/*.test.ts', 'src/**/*.test.ts', 'connectors/**/*.test.ts', ...(process.env.LONG_TESTS ? ['*.test.ts'] : [])],
    exclude: [...(process.env.LONG_TESTS ? [] : ['test/long/**']), 'node_modules/**', 'dist/**'],
    setupFiles: ['test/setup/fast-check-seed.ts'],
    // Deadlines come from test/helpers/timing.ts (the one place for time): sized for a two-core
    // machine running two full suites at once, so only a stuck test reaches them.
    testTimeout: TEST_TIMEOUT_MS,
    hookTimeout: TEST_TIMEOUT_MS,
    teardownTimeout: TEST_TIMEOUT_MS,
    expect: { poll: { timeout: PATIENCE_MS, interval: POLL_INTERVAL_MS } },
    // Two cores here: e2e files spawn servers, so keep parallelism modest.
    maxWorkers: 2,
    pool: 'forks',
  },
});
