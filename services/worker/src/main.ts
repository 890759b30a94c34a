import { useCompileCache } from '@kaygraph/tasks/process';

// Before the worker's modules load, so that later starts and the worker threads load them compiled.
useCompileCache();
await import('./start.ts');
