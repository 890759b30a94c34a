import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Each test file gets its own database on TEST_DATABASE_URL (or the embedded server) from this setup.
    globalSetup: ['@kaygraph/db/test-global-setup'],
    testTimeout: 120_000,
    hookTimeout: 90_000,
    // The files spawn several processes each: one file at a time keeps a 2-core machine honest.
    fileParallelism: false,
  },
});
