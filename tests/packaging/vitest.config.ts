import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The test database server, then `npm run pack` once for every file (fixture apps install the tarballs).
    globalSetup: ['@kaygraph/db/test-global-setup', './src/pack-global-setup.ts'],
    // Fixture apps install with npm; the live tests start an api process and a worker.
    testTimeout: 120_000,
    // An install may be tried twice (src/fixture-app.ts), 150 s at most each.
    hookTimeout: 360_000,
  },
});
