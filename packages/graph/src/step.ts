import type { ProgressScope } from './context/progress.ts';
import { createNodeContext, type RunState } from './context/run-state.ts';
import { AbortedError, toError } from './errors.ts';
import { EXECUTE, INNER_START, type StepFrame, type TopLevel } from './internal.ts';
import type { AnyNode } from './node.ts';
import type { Action, NodeMetric } from './types.ts';

interface StepOptions<S> {
  top?: TopLevel<S>;
  /** The root graph of a run is not a step of anything: no metric, no step announcement. */
  rootGraph?: boolean;
}

/**
 * One node step: setup -> beforePrep -> prep -> exec (retried) -> afterExec -> post, with onError
 * deciding about failures and cleanup always last. Aborts bypass onError: a cancelled run must end.
 * A graph's onError sees only its own hooks' errors: a failing node inside it has had its own
 * onError, and the graph must not turn that failure into success (KayGraph never asks the graph).
 */
export async function runStep<S>(
  node: AnyNode<S>,
  shared: S,
  run: RunState,
  scope: ProgressScope,
  options: StepOptions<S> = {},
): Promise<Action> {
  const frame: StepFrame<S> = { run, scope, top: options.top, attempts: 0, usedFallback: false };
  const startedAt = run.now();
  node.ctx = createNodeContext(run, scope);
  // A node's start shows its step name (or keeps the step shown so far): an id is not for users.
  if (node.stepName !== undefined) scope.report(scope.fraction, node.stepName, null);
  else if (!options.rootGraph) scope.report(scope.fraction, undefined, null);
  let outcome: NodeMetric['outcome'] = 'ok';
  let action: Action = 'default';
  let failure: { error: unknown } | null = null;
  /** True while a graph's inner nodes run: what fails then is theirs, not this graph's to swallow. */
  let runningInner = false;
  try {
    await node.setup(shared);
    await node.beforePrep(shared);
    const prepRes = await node.prep(shared);
    runningInner = node[INNER_START] !== undefined;
    const execRes = await node[EXECUTE](prepRes, shared, frame);
    runningInner = false;
    await node.afterExec(shared, prepRes, execRes);
    // KayGraph's `action or "default"`: an empty action follows the default edge too.
    action = (await node.post(shared, prepRes, execRes)) || 'default';
    if (frame.usedFallback) outcome = 'fallback';
  } catch (thrown) {
    if (thrown instanceof AbortedError || run.signal.aborted) {
      // Whatever failed once the run was aborted (a fetch given the signal, say) is the abort itself.
      outcome = 'aborted';
      failure = {
        error:
          thrown instanceof AbortedError ? thrown : new AbortedError(run.signal.reason, { cause: thrown }),
      };
    } else if (runningInner) {
      outcome = 'error';
      failure = { error: thrown };
    } else {
      const error = toError(thrown);
      try {
        if ((await node.onError(error, shared)) === true) outcome = 'swallowed';
        else failure = { error };
      } catch (hookError) {
        // onError itself failing replaces the original error, as a throwing except-block would.
        failure = { error: hookError };
      }
      if (failure) outcome = 'error';
    }
  }
  try {
    await node.cleanup(shared);
  } catch (error) {
    // The first error is the story; a cleanup failing after it is only worth a warning.
    if (failure)
      run.warn(`cleanup of node "${node.id}" failed after an earlier error`, toError(error).message);
    else {
      outcome = 'error';
      failure = { error };
    }
  }
  if (!options.rootGraph) {
    const durationMs = run.now() - startedAt;
    run.recordMetric({
      node_id: node.id,
      duration_ms: durationMs,
      attempts: frame.attempts,
      outcome,
      action: failure ? null : action,
    });
  }
  if (failure) throw failure.error;
  return action;
}
