export { BatchNode, ParallelBatchNode, type ParallelBatchOptions } from './batch.ts';
export { BatchGraph, ParallelBatchGraph } from './batch-graph.ts';
export { AbortedError, GraphError, isNonRetriable, ResumeMismatchError } from './errors.ts';
export { Graph } from './graph.ts';
export { METRICS_KEPT, MetricsLog, type NodeTotals, type RunMetrics } from './metrics-log.ts';
export { type AnyNode, Node } from './node.ts';
export { sleep } from './retry.ts';
export type {
  Action,
  Checkpoint,
  CompletedRun,
  LogLevel,
  NodeMetric,
  NodeOptions,
  ProgressReport,
  ProgressUpdate,
  RunContext,
  RunMetricsFields,
  RunOptions,
  RunResult,
  SuspendedRun,
  UnwiredEnd,
} from './types.ts';
export {
  type ChildOutcome,
  type ChildTaskSpec,
  runChildren,
  type SignalWaitOptions,
  sleepFor,
  type Wait,
  type WaitRequest,
  type WaitTime,
  waitForSignal,
} from './waits/requests.ts';
export { type ResumeValue, WaitTimeoutError } from './waits/resume.ts';
export type { WaitFrame, WaitingState } from './waits/suspension.ts';
export { ChildTasksFailedError, childResults, WaitNode } from './waits/wait-node.ts';
