/**
 * KayGraph graphs ported to KayGraph Tasks: the workflows module a worker loads
 * (`WORKFLOWS_MODULE=$PWD/examples/kaygraph-ports/workflows.ts npm start`).
 */
import { createCatalog } from '@kaygraph/workflows/authoring';
import { agentLoop } from './agent-loop.ts';
import { approval } from './approval.ts';
import { mapReduce } from './map-reduce.ts';
import { nestedGraph } from './nested-graph.ts';
import { parallelBatch } from './parallel-batch.ts';
import { retryFallback } from './retry-fallback.ts';

export const catalog = createCatalog([
  agentLoop,
  mapReduce,
  nestedGraph,
  retryFallback,
  parallelBatch,
  approval,
]);
/** For a typed client: `createClient<Workflows>(...)`. */
export type Workflows = typeof catalog.workflows;
