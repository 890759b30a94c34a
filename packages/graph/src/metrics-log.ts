import type { NodeMetric } from './types.ts';

/** Steps a run lists one by one by default: the same as `NODE_METRICS_KEPT` in @kaygraph/contracts. */
export const METRICS_KEPT = 1000;

/** Every step of one node, summed; the same shape as `NodeMetricTotals` in @kaygraph/contracts. */
export interface NodeTotals {
  node_id: string;
  runs: number;
  total_duration_ms: number;
  max_duration_ms: number;
  /** Calls of `exec`, summed. */
  attempts: number;
  outcomes: Record<NodeMetric['outcome'], number>;
  /** The action of the node's latest step (null: it failed or waited). */
  last_action: string | null;
}

/** A run's metrics in bounded form: plain data, so it crosses threads and goes into checkpoints. */
export interface RunMetrics {
  /** The most recent steps, in the order they ended: at most the log's `kept`. */
  recent: NodeMetric[];
  /** Steps before those, left out of `recent`. */
  omitted: number;
  /** Every step (omitted ones included), summed per node, in the order the nodes first ran. */
  byNode: NodeTotals[];
}

/**
 * The metrics of a run, in memory and size bounded however long a graph loops: the last `kept` steps
 * one by one, and per-node totals of all of them (their number is the graph's node count).
 *
 * @example
 * const log = MetricsLog.from(stored); // an earlier run's, continued
 * log.add(metric);
 * const { recent, omitted, byNode } = log.snapshot();
 */
export class MetricsLog {
  readonly kept: number;
  /** Holds up to twice `kept` before it is cut back, so adding costs O(1) on average. */
  #recent: NodeMetric[] = [];
  #omitted = 0;
  readonly #byNode = new Map<string, NodeTotals>();

  constructor(kept: number = METRICS_KEPT) {
    if (!Number.isInteger(kept) || kept < 0) {
      throw new RangeError(`metrics kept must be a whole number >= 0, got ${kept}`);
    }
    this.kept = kept;
  }

  /** A log that continues `earlier` (another log's snapshot, e.g. of a run before a resume). */
  static from(earlier: RunMetrics, kept: number = METRICS_KEPT): MetricsLog {
    const log = new MetricsLog(kept);
    log.#recent = [...earlier.recent];
    log.#omitted = earlier.omitted;
    for (const totals of earlier.byNode) {
      log.#byNode.set(totals.node_id, { ...totals, outcomes: { ...totals.outcomes } });
    }
    log.#trim();
    return log;
  }

  /** Steps recorded so far, omitted ones included. */
  get total(): number {
    return this.#omitted + this.#recent.length;
  }

  add(metric: NodeMetric): void {
    this.#recent.push(metric);
    if (this.#recent.length > 2 * this.kept) this.#trim();
    let totals = this.#byNode.get(metric.node_id);
    if (!totals) {
      totals = {
        node_id: metric.node_id,
        runs: 0,
        total_duration_ms: 0,
        max_duration_ms: 0,
        attempts: 0,
        outcomes: { ok: 0, fallback: 0, error: 0, swallowed: 0, aborted: 0 },
        last_action: null,
      };
      this.#byNode.set(metric.node_id, totals);
    }
    totals.runs += 1;
    totals.total_duration_ms += metric.duration_ms;
    totals.max_duration_ms = Math.max(totals.max_duration_ms, metric.duration_ms);
    totals.attempts += metric.attempts;
    totals.outcomes[metric.outcome] += 1;
    totals.last_action = metric.action ?? null;
  }

  /** A copy of what the log holds now; later steps do not change it. */
  snapshot(): RunMetrics {
    const overflow = Math.max(0, this.#recent.length - this.kept);
    return {
      recent: this.#recent.slice(overflow),
      omitted: this.#omitted + overflow,
      byNode: [...this.#byNode.values()].map((totals) => ({ ...totals, outcomes: { ...totals.outcomes } })),
    };
  }

  #trim(): void {
    const overflow = this.#recent.length - this.kept;
    if (overflow <= 0) return;
    this.#recent.splice(0, overflow);
    this.#omitted += overflow;
  }
}
