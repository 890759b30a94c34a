import { defineConfig } from 'vitest/config';

// The first run unpacks a 190 MB Chromium: give it room on a 2-core machine.
export default defineConfig({ test: { testTimeout: 120_000, hookTimeout: 120_000 } });
