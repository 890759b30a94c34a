import { defineConfig } from 'vitest/config';

// CPU-bound tests (busy loops of 50,000 steps) outlast vitest's 5 s default on a loaded 2-core machine;
// the timeout only keeps a broken test finite.
export default defineConfig({ test: { testTimeout: 60_000 } });
