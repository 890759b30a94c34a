/**
 * `@kaygraph/worker`: everything an app needs to write workflows and run them, in one import.
 *
 * @example
 * import { createCatalog, defineWorkflow, Graph, Node, startWorker, z } from '@kaygraph/worker';
 */
export * from '@kaygraph/graph';
export * from '@kaygraph/workflows/authoring';
export { z } from 'zod';
export { type CloseOptions, type StartWorkerOptions, startWorker, type Worker } from './start-worker.ts';
