import { createRunState } from './context/run-state.ts';
import { copyNode } from './copy.ts';
import { AbortedError, GraphError, throwIfAborted } from './errors.ts';
import { assertUniqueIds, assignDefaultIds } from './ids.ts';
import { INNER_START } from './internal.ts';
import type { AnyNode } from './node.ts';
import { runStep } from './step.ts';
import type { Checkpoint, RunOptions, RunResult } from './types.ts';

/** `node.run()` / `graph.run()`: one run with its own state, on a copy of the root. */
export async function runTop<S>(root: AnyNode<S>, shared: S, options: RunOptions<S>): Promise<RunResult<S>> {
  assignDefaultIds(root);
  assertUniqueIds(root);
  const isGraph = root[INNER_START] !== undefined;
  const run = createRunState(options);
  if (root.successors.size > 0) {
    const kind = isGraph ? 'Graph' : 'Node';
    run.warn(`${kind} "${root.id}" ran alone: its edges are only followed inside a Graph that holds it`);
  }
  if (options.resumeFrom && !isGraph) throw new GraphError('resumeFrom needs a Graph');
  const store = options.resumeFrom ? restoreStore(shared, options.resumeFrom) : shared;
  const self = copyNode(root);
  self.params = { ...(options.params ?? root.params) };
  const top = isGraph ? { resumeFrom: options.resumeFrom, onCheckpoint: options.onCheckpoint } : undefined;
  try {
    throwIfAborted(run.signal);
    const action = await runStep(self, store, run, run.progress, { top, rootGraph: isGraph });
    run.progress.report(1);
    return { action, shared: store, metrics: run.metrics };
  } catch (error) {
    if (error instanceof AbortedError) error.metrics = run.metrics;
    throw error;
  }
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
