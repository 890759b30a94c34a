import { constants, enableCompileCache } from 'node:module';

// On before the worker's modules load: later starts and the worker threads reuse their compiled
// (type-stripped) code instead of compiling it again. Threads inherit the cache through the environment
// (where it already is when NODE_COMPILE_CACHE turned it on).
const cache = enableCompileCache();
if (cache.status === constants.compileCacheStatus.ENABLED && cache.directory) {
  process.env.NODE_COMPILE_CACHE = cache.directory;
}
await import('./worker-process.ts');
