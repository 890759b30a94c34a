import type { NodeMetric, NodeMetricTotals } from '@kaygraph/contracts';
import type { WaitingState } from '@kaygraph/graph';

/**
 * The checkpoint as stored in `tasks.checkpoint`: the engine's, plus the metrics of the task's runs so far,
 * bounded (task-metrics.ts): checkpoints written before the bound hold only `metrics`.
 */
export interface StoredCheckpoint {
  nextNodeId: string | null;
  shared: Record<string, unknown>;
  /** Top-level steps completed so far (the engine's `completedSteps`); absent in checkpoints written before it. */
  completedSteps?: number;
  lastNodeId?: string | null;
  /**
   * Kept for workers of the previous release, which require it to resume: `[lastNodeId]` now (the engine's,
   * see its `Checkpoint`); the previous release wrote every completed top-level node and no `completedSteps`.
   */
  completedNodeIds?: string[];
  lastAction?: string | null;
  /** The most recent steps, at most NODE_METRICS_KEPT. */
  metrics: NodeMetric[];
  /** Steps before those, left out of `metrics`. */
  metricsOmitted?: number;
  /** Every step summed per node. */
  metricsByNode?: NodeMetricTotals[];
  /** Where a suspended run waits (the engine's `checkpoint.waiting`); absent once a later node completed. */
  waiting?: WaitingState | null;
  /**
   * The child task ids of the children wait at `waiting`, in the node's order: a retry by hand that runs
   * the waiting node again reuses those that completed (worker/reused-children.ts). Absent otherwise.
   */
  waitChildTaskIds?: string[];
}

/** A file a run produced, stored with its result. */
export interface ProducedArtifact {
  name: string;
  content_type: string;
  content: string;
  encoding?: 'utf8' | 'base64';
}
