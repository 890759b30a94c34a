import { useCompileCache } from '@kaygraph/tasks/process';

// Before the api's modules load, so that later starts (and the threads of `--with-worker`) load them compiled.
useCompileCache();
await import('./start.ts');
