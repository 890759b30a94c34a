export { BatchNode, ParallelBatchNode, type ParallelBatchOptions } from './batch.ts';
export { BatchGraph, ParallelBatchGraph } from './batch-graph.ts';
export { AbortedError, GraphError } from './errors.ts';
export { Graph } from './graph.ts';
export { type AnyNode, Node } from './node.ts';
export { sleep } from './retry.ts';
export type {
  Action,
  Checkpoint,
  LogLevel,
  NodeMetric,
  NodeOptions,
  ProgressReport,
  ProgressUpdate,
  RunContext,
  RunOptions,
  RunResult,
} from './types.ts';
