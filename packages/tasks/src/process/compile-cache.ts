import { constants, enableCompileCache } from 'node:module';

/**
 * Turns on Node's module compile cache for this process and the worker threads it starts (they inherit
 * NODE_COMPILE_CACHE, which also moves it): later starts and every thread load modules compiled instead
 * of type-stripping and parsing them again, and a thread never loads the TypeScript stripper. Call it
 * before the rest of the service is imported: only modules loaded after it are cached.
 *
 * @example
 * useCompileCache();
 * await import('./start.ts');
 */
export function useCompileCache(): void {
  const cache = enableCompileCache();
  // Already enabled by NODE_COMPILE_CACHE: threads inherit that variable as it is.
  if (cache.status === constants.compileCacheStatus.ENABLED && cache.directory) {
    process.env.NODE_COMPILE_CACHE = cache.directory;
  }
}
