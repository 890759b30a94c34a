import { compatibleNodeIds } from './checkpoint.ts';
import { createRunState } from './context/run-state.ts';
import { copyNode } from './copy.ts';
import { AbortedError, GraphError, throwIfAborted } from './errors.ts';
import { settleIds } from './ids.ts';
import { INNER_START } from './internal.ts';
import type { MetricsLog } from './metrics-log.ts';
import type { AnyNode } from './node.ts';
import { runStep } from './step.ts';
import type { Checkpoint, RunMetricsFields, RunOptions, RunResult, SuspendedRun } from './types.ts';
import type { ResumeValue } from './waits/resume.ts';
import { type StepResume, SuspendRun } from './waits/suspension.ts';

/** `node.run()` / `graph.run()`: one run with its own state, on a copy of the root. */
export async function runTop<S>(root: AnyNode<S>, shared: S, options: RunOptions<S>): Promise<RunResult<S>> {
  settleIds(root);
  const isGraph = root[INNER_START] !== undefined;
  const run = createRunState(options);
  if (root.successors.size > 0) {
    const kind = isGraph ? 'Graph' : 'Node';
    run.warn(`${kind} "${root.id}" ran alone: its edges are only followed inside a Graph that holds it`);
  }
  if (options.resumeFrom && !isGraph) throw new GraphError('resumeFrom needs a Graph');
  const resume = waitToResume(options.resumeFrom, options.resumeWith);
  const store = options.resumeFrom ? restoreStore(shared, options.resumeFrom) : shared;
  const self = copyNode(root);
  // The graph's own params (KayGraph's set_params before run) stay; the run's win where both set a key.
  self.params = { ...root.params, ...options.params };
  const top = isGraph ? { resumeFrom: options.resumeFrom, onCheckpoint: options.onCheckpoint } : undefined;
  try {
    throwIfAborted(run.signal);
    const action = await runStep(self, store, run, run.progress, {
      top,
      rootGraph: isGraph,
      ...(resume ? { resume } : {}),
    });
    run.progress.report(1);
    const unwired = run.unwiredEnds.get(self);
    return {
      outcome: 'completed',
      action,
      shared: store,
      unwiredEnd: unwired?.action === action ? unwired : null,
      ...metricsFields(run.metrics),
    };
  } catch (error) {
    if (error instanceof AbortedError) Object.assign(error, metricsFields(run.metrics));
    if (error instanceof SuspendRun) return suspended(error, isGraph, store, metricsFields(run.metrics));
    throw error;
  }
}

function metricsFields(log: MetricsLog): RunMetricsFields {
  const { recent, omitted, byNode } = log.snapshot();
  return { metrics: recent, metricsOmitted: omitted, metricsByNode: byNode };
}

/** The resume of a waiting checkpoint; a checkpoint and a resume value must come together. */
function waitToResume<S>(
  checkpoint: Checkpoint<S> | undefined,
  value: ResumeValue | undefined,
): StepResume | undefined {
  const waiting = checkpoint?.waiting ?? null;
  if (waiting === null && value === undefined) return undefined;
  if (waiting === null) throw new GraphError('resumeWith needs a resumeFrom checkpoint of a suspended run');
  if (value === undefined) {
    throw new GraphError(
      `the checkpoint waits (${waiting.wait.kind}): resume it with resumeWith, the value the wait ended with`,
    );
  }
  if (waiting.frames[0]?.nodeId !== checkpoint?.nextNodeId) {
    throw new GraphError('Cannot resume: the checkpoint waits at another node than its nextNodeId');
  }
  return { wait: waiting.wait, frames: waiting.frames, value };
}

function suspended<S>(
  suspension: SuspendRun,
  isGraph: boolean,
  store: S,
  metrics: RunMetricsFields,
): SuspendedRun<S> {
  const first = suspension.frames[0];
  if (!isGraph || !first) throw new GraphError('a node that waits must run inside a Graph');
  const waiting = { wait: suspension.wait, frames: suspension.frames };
  return {
    outcome: 'suspended',
    action: null,
    unwiredEnd: null,
    shared: store,
    ...metrics,
    wait: suspension.wait,
    checkpoint: {
      nextNodeId: first.nodeId,
      shared: store,
      completedSteps: suspension.completedSteps,
      lastNodeId: suspension.lastNodeId,
      completedNodeIds: compatibleNodeIds(suspension.lastNodeId),
      lastAction: suspension.lastAction,
      waiting,
    },
  };
}

/**
 * The checkpoint's store wins. When the caller passed a store object, it is updated in place so
 * the caller's reference sees the resumed state (and keeps keys the checkpoint lacks).
 */
function restoreStore<S>(shared: S, checkpoint: Checkpoint<S>): S {
  const saved = checkpoint.shared;
  if (isPlainRecord(shared) && isPlainRecord(saved)) {
    Object.assign(shared, saved);
    return shared;
  }
  return saved;
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
