import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The browser test needs a database: TEST_DATABASE_URL or the embedded server.
    // ... and the built dashboard, built once before the browser test files (they run in parallel).
    globalSetup: ['@kaygraph/db/test-global-setup', './test/support/global-build.ts'],
    // It also starts a server, a worker and Chromium: give it room on a 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // useDashboardSession (test/support/session.ts) relies on it: beforeAll hooks in the order registered,
    // after hooks in reverse, so a file's own hooks run inside the session's.
    sequence: { hooks: 'stack' },
  },
});
