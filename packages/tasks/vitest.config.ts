import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['@kaygraph/db/test-global-setup'],
    testTimeout: 90_000,
    hookTimeout: 90_000,
    // Files run in parallel, each on its own database; two cores, so two at a time.
    maxWorkers: 2,
  },
});
