import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The migrate entry point is tested against a real PostgreSQL (TEST_DATABASE_URL or an embedded one).
    globalSetup: ['@kaygraph/db/test-global-setup'],
    testTimeout: 90_000,
    hookTimeout: 90_000,
  },
});
