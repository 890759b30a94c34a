import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The live test starts a real api on a database of its own from this setup.
    globalSetup: ['@kaygraph/db/test-global-setup'],
    // Packing builds three packages with tsc and installs them with npm.
    testTimeout: 120_000,
    hookTimeout: 240_000,
  },
});
