import type { NodeTotals } from './metrics-log.ts';
import type { WaitRequest } from './waits/requests.ts';
import type { ResumeValue } from './waits/resume.ts';
import type { WaitingState } from './waits/suspension.ts';

/** The name of an edge; `'default'` when `post` returns nothing. */
export type Action = string;

/** What a node may report while it runs; every field is optional. */
export interface ProgressUpdate {
  /** 0..100 of this node's own work; mapped into the node's share of the whole run. */
  percent?: number;
  step?: string;
  message?: string;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Handed to every node (as `this.ctx`) before `setup`/`prep`. */
export interface RunContext {
  /** Aborts on cancel, timeout or shutdown; pass it to I/O so a node can stop early. */
  signal: AbortSignal;
  /** Without `percent`, the runtime keeps the derived position and only updates step/message. */
  progress(update: ProgressUpdate): void;
  log(level: LogLevel, message: string, data?: unknown): void;
}

export interface NodeOptions {
  /** Used in logs, metrics and checkpoints; default: class name + counter (assigned by the graph). */
  id?: string;
  /**
   * What the node does, in a user's words (`'Load large dataset'`): progress shows it as `step`
   * when the node starts. A node without one leaves the shown step as it was; ids are never shown.
   */
  step?: string;
  /** Attempts of `exec`, 1 = no retry. */
  maxRetries?: number;
  /** Milliseconds between attempts. */
  wait?: number;
  /** Double the wait after each failed attempt. */
  backoff?: boolean;
}

/** Same shape as `NodeMetric` in @kaygraph/contracts (kept local: this package has no dependencies). */
export interface NodeMetric {
  node_id: string;
  duration_ms: number;
  /** Calls of `exec` (per item for batch nodes, summed). */
  attempts: number;
  outcome: 'ok' | 'fallback' | 'error' | 'swallowed' | 'aborted';
  action?: string | null;
}

/**
 * Written after every completed top-level node; `run(shared, { resumeFrom })` continues from it.
 * A suspended run's checkpoint also says where it waits (`waiting`); it resumes with `resumeWith`.
 */
export interface Checkpoint<S> {
  /** The node to run next; null when the graph has finished. */
  nextNodeId: string | null;
  /** The live store (by reference): serialize it inside `onCheckpoint`. */
  shared: S;
  /**
   * Top-level steps completed so far (a node in a loop counts once per run): a resumed run's progress
   * starts there. Always written; absent only in checkpoints written before it (see `completedNodeIds`).
   */
  completedSteps?: number;
  /** The top-level node that completed last (its action is `lastAction`); null before any. */
  lastNodeId?: string | null;
  /**
   * @deprecated Read `completedSteps` and `lastNodeId`. Kept for workers of the previous release, which
   * require it when they resume: written as `[lastNodeId]` (empty before any), not the whole list, so a
   * loop's checkpoint stays one size. A checkpoint with the whole list and no `completedSteps` (written by
   * that release) still resumes: its length is the count.
   */
  completedNodeIds?: string[];
  /** The action of the last completed node; lets a finished checkpoint replay the graph's result. */
  lastAction?: Action | null;
  /** Set when the run suspended: `nextNodeId` (or a node inside it) waits; absent otherwise. */
  waiting?: WaitingState | null;
}

export interface ProgressReport {
  percent: number;
  step: string | null;
  message: string | null;
  etaSeconds: number | null;
}

export interface RunOptions<S> {
  signal?: AbortSignal;
  onProgress?: (progress: ProgressReport) => void;
  onLog?: (level: LogLevel, message: string, data?: unknown) => void;
  /** Awaited after every completed top-level node of a `Graph`. */
  onCheckpoint?: (checkpoint: Checkpoint<S>) => void | Promise<void>;
  resumeFrom?: Checkpoint<S>;
  /** How the wait of a suspended `resumeFrom` ended: the waiting node's `post` continues from it. */
  resumeWith?: ResumeValue;
  /**
   * Percent the run's progress starts from and never reports below: a resumed run whose task already stood
   * higher (its children's progress, say) carries on from there instead of its own, lower, estimate.
   */
  progressFrom?: number;
  /** Params for every node, over the graph's own (`graph.params`): a key set in both takes this value. */
  params?: Record<string, unknown>;
  /** Receives missing-edge and edge-overwrite warnings (default: console.warn). */
  logger?: { warn(message: string, data?: unknown): void };
  /**
   * Called as each node step starts (before `setup`), with the node's id; `onMetric` tells when it ended.
   * Together they say which node a run is in (what a timed-out task names).
   */
  onStepStart?: (nodeId: string) => void;
  /** Called as each node step finishes, also when the run later fails (metrics survive errors). */
  onMetric?: (metric: NodeMetric) => void;
  /**
   * Steps the result lists one by one in `metrics`, the most recent ones (default 1000): a graph that loops
   * keeps only those, and counts the others in `metricsOmitted` and `metricsByNode`.
   */
  metricsKept?: number;
  /** Milliseconds clock for durations and ETA (default: performance.now). */
  now?: () => number;
}

/** What a run says of its steps, bounded however long it loops. */
export interface RunMetricsFields {
  /** The most recent steps (at most `metricsKept`), in the order they ended. */
  metrics: NodeMetric[];
  /** Steps before those, left out of `metrics`. */
  metricsOmitted: number;
  /**
   * Every step (omitted ones included) summed per node id, in the order the nodes first ran. Ids are unique
   * per graph level: nodes of different nested graphs that share an id share one entry.
   */
  metricsByNode: NodeTotals[];
}

/** A node that returned an action with no edge (it has others), which ended its graph. */
export interface UnwiredEnd {
  nodeId: string;
  action: Action;
}

/** A run that reached its end: `action` is the last node's. */
export interface CompletedRun<S> extends RunMetricsFields {
  outcome: 'completed';
  action: Action;
  shared: S;
  /**
   * Set when the run ended because a node returned an action with no edge (the run warned "Graph
   * ends: ..."): that node, the innermost when a nested graph ended so, and its action. Null when the
   * run ended where its graph does (a node without edges, or a nested graph left by one of its edges).
   */
  unwiredEnd: UnwiredEnd | null;
}

/**
 * A run that stopped at a wait: the runtime stores `checkpoint` (serialized) and `wait`, and later
 * runs the graph again with `{ resumeFrom: checkpoint, resumeWith }`.
 */
export interface SuspendedRun<S> extends RunMetricsFields {
  outcome: 'suspended';
  action: null;
  /** A suspended run has not ended. */
  unwiredEnd: null;
  shared: S;
  wait: WaitRequest;
  checkpoint: Checkpoint<S> & { waiting: WaitingState };
}

export type RunResult<S> = CompletedRun<S> | SuspendedRun<S>;
