import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The test database server, then `npm run pack` once for every file (fixture apps install the tarballs).
    globalSetup: ['@kaygraph/db/test-global-setup', './src/pack-global-setup.ts'],
    // Fixture apps install with npm; the live tests start an api process and a worker.
    testTimeout: 120_000,
    hookTimeout: 240_000,
  },
});
