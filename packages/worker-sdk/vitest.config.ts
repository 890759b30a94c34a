import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['@kaygraph/db/test-global-setup'],
    testTimeout: 90_000,
    hookTimeout: 90_000,
  },
});
