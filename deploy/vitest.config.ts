import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The migrate entry point is tested against a real PostgreSQL (TEST_DATABASE_URL or an embedded one).
    globalSetup: ['@kaygraph/db/test-global-setup'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
