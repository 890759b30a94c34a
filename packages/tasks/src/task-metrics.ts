import {
  NODE_METRICS_KEPT,
  type NodeMetric,
  type NodeMetricTotals,
  type TaskView,
} from '@kaygraph/contracts/run-contracts';
import { MetricsLog, type RunMetrics } from '@kaygraph/graph';
import type { StoredCheckpoint } from './attempt-data.ts';

/**
 * A task's node metrics as a row or a checkpoint stores them: the most recent steps (`metrics`, the list
 * it always held) and, since migration 0015, what left the list (`omitted`) and per-node totals (`byNode`).
 * Rows and checkpoints written before hold only the list, and it held every step; so do rows a worker of
 * an older release wrote later (a rolling upgrade, a rollback), which leave the totals as they were.
 */
export interface StoredMetrics {
  metrics: readonly NodeMetric[] | null;
  omitted?: number | null;
  byNode?: readonly NodeMetricTotals[] | null;
}

/**
 * Of two records of one task's steps, the later one. Every run continues the later record, so both
 * start at the task's first step and the one holding more steps is the later.
 */
export function laterMetrics(a: StoredMetrics | null, b: StoredMetrics | null): StoredMetrics | null {
  if (!a || !b) return a ?? b;
  return stepsIn(b) > stepsIn(a) ? b : a;
}

function stepsIn(stored: StoredMetrics): number {
  return (totalsOf(stored) ? (stored.omitted ?? 0) : 0) + (stored.metrics?.length ?? 0);
}

/**
 * The stored per-node totals when they account for the list and what left it; null when there are none,
 * or when a worker of an older release wrote the list after them (the list then holds every step it knew).
 */
function totalsOf(stored: StoredMetrics): readonly NodeMetricTotals[] | null {
  if (!stored.byNode) return null;
  const runs = stored.byNode.reduce((sum, node) => sum + node.runs, 0);
  return runs === (stored.omitted ?? 0) + (stored.metrics?.length ?? 0) ? stored.byNode : null;
}

/** The metrics of every run of a task so far, to continue with the next one: bounded by NODE_METRICS_KEPT. */
export function taskMetricsLog(stored: StoredMetrics | null): MetricsLog {
  const recent = stored?.metrics ?? [];
  const byNode = stored && totalsOf(stored);
  if (byNode) {
    return MetricsLog.from(
      { recent: [...recent], omitted: stored.omitted ?? 0, byNode: [...byNode] },
      NODE_METRICS_KEPT,
    );
  }
  // Written without (current) totals: the list held every step, so replaying it gives them.
  const log = new MetricsLog(NODE_METRICS_KEPT);
  for (const metric of recent) log.add(metric);
  return log;
}

/** `TaskView`'s metric fields; `null` metrics: no run of the task has ended yet. */
export function taskViewMetrics(
  stored: StoredMetrics,
): Pick<TaskView, 'metrics' | 'metrics_omitted' | 'metrics_by_node'> {
  if (stored.metrics === null) return { metrics: null, metrics_omitted: 0, metrics_by_node: null };
  const totals = totalsOf(stored);
  if (totals && stored.metrics.length <= NODE_METRICS_KEPT) {
    return {
      metrics: [...stored.metrics],
      metrics_omitted: stored.omitted ?? 0,
      metrics_by_node: [...totals],
    };
  }
  const { recent, omitted, byNode } = taskMetricsLog(stored).snapshot();
  return { metrics: recent, metrics_omitted: omitted, metrics_by_node: byNode };
}

/** The columns a task's metrics are stored in (`metrics`, `metrics_omitted`, `metrics_by_node`). */
export function metricsColumns(run: RunMetrics): {
  metrics: NodeMetric[];
  metrics_omitted: number;
  metrics_by_node: NodeMetricTotals[];
} {
  return { metrics: run.recent, metrics_omitted: run.omitted, metrics_by_node: run.byNode };
}

/** A checkpoint's metric fields: what a run resumed from it continues. */
export function checkpointMetrics(
  run: RunMetrics,
): Pick<StoredCheckpoint, 'metrics' | 'metricsOmitted' | 'metricsByNode'> {
  return { metrics: run.recent, metricsOmitted: run.omitted, metricsByNode: run.byNode };
}

export function metricsOfCheckpoint(checkpoint: StoredCheckpoint | null): StoredMetrics | null {
  if (!checkpoint) return null;
  return {
    metrics: checkpoint.metrics,
    omitted: checkpoint.metricsOmitted,
    byNode: checkpoint.metricsByNode,
  };
}
