import type { ProgressScope } from './context/progress.ts';
import { createNodeContext, type RunState } from './context/run-state.ts';
import { AbortedError, GraphError, ResumeMismatchError, toError } from './errors.ts';
import { EXECUTE, INNER_START, type StepFrame, type TopLevel } from './internal.ts';
import type { AnyNode } from './node.ts';
import { isThenable } from './thenable.ts';
import type { Action, NodeMetric } from './types.ts';
import { isWait, plainRequest } from './waits/requests.ts';
import { resumeStep } from './waits/resume.ts';
import { type StepResume, SuspendRun } from './waits/suspension.ts';

interface StepOptions<S> {
  top?: TopLevel<S>;
  /** The root graph of a run is not a step of anything: no metric, no step announcement. */
  rootGraph?: boolean;
  /**
   * Resuming a wait: the first frame is this node's (the root graph has none and passes all of
   * them to its first level). The waiting node skips `exec`; a graph skips to the node inside.
   */
  resume?: StepResume;
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
  const own = options.rootGraph ? undefined : options.resume;
  const innerResume: StepResume | undefined = options.rootGraph
    ? options.resume
    : own && own.frames.length > 1
      ? { ...own, frames: own.frames.slice(1) }
      : undefined;
  const frame: StepFrame<S> = {
    run,
    scope,
    top: options.top,
    resume: innerResume,
    attempts: 0,
    usedFallback: false,
  };
  const startedAt = run.now();
  if (!options.rootGraph) run.stepStarted(node.id);
  node.ctx = createNodeContext(run, scope);
  // A node's start shows its step name (or keeps the step shown so far): an id is not for users.
  if (node.stepName !== undefined) scope.report(scope.fraction, node.stepName, null);
  else if (!options.rootGraph) scope.report(scope.fraction, undefined, null);
  let outcome: NodeMetric['outcome'] = 'ok';
  let action: Action = 'default';
  let failure: { error: unknown } | null = null;
  let suspension: SuspendRun | null = null;
  let prepRes: unknown;
  /** True while a graph's inner nodes run: what fails then is theirs, not this graph's to swallow. */
  let runningInner = false;
  try {
    const setUp = node.setup(shared);
    if (isThenable(setUp)) await setUp;
    if (own) {
      // What prep returned before the wait; prep (and beforePrep) ran then, not again.
      prepRes = own.frames[0]?.prepRes;
    } else {
      const before = node.beforePrep(shared);
      if (isThenable(before)) await before;
      prepRes = node.prep(shared);
      if (isThenable(prepRes)) prepRes = await prepRes;
    }
    if (own && innerResume && node[INNER_START] === undefined) {
      throw new ResumeMismatchError(
        `Cannot resume: node "${node.id}" is not a graph, yet the wait is inside it`,
      );
    }
    const resumed = own && !innerResume ? resumeStep(node.id, own.wait, own.value) : null;
    if (resumed && 'action' in resumed) {
      action = resumed.action;
    } else {
      runningInner = node[INNER_START] !== undefined;
      const execRes = resumed ? resumed.post : await node[EXECUTE](prepRes, shared, frame);
      runningInner = false;
      if (isWait(execRes)) throw new SuspendRun(plainRequest(execRes));
      if (Array.isArray(execRes) && execRes.some(isWait)) {
        throw new GraphError(
          `node "${node.id}" returned waits from a batch: only a plain node's exec may wait`,
        );
      }
      const after = node.afterExec(shared, prepRes, execRes);
      if (isThenable(after)) await after;
      const posted = node.post(shared, prepRes, execRes);
      // KayGraph's `action or "default"`: an empty action follows the default edge too.
      action = (isThenable(posted) ? await posted : posted) || 'default';
    }
    if (frame.usedFallback) outcome = 'fallback';
  } catch (thrown) {
    if (thrown instanceof SuspendRun && !run.signal.aborted) {
      // A wait is not a failure: the enclosing levels only note where it is, then the run returns.
      if (!options.rootGraph) thrown.frames.unshift({ nodeId: node.id, prepRes });
      suspension = thrown;
    } else if (thrown instanceof AbortedError || run.signal.aborted) {
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
    const cleaned = node.cleanup(shared);
    if (isThenable(cleaned)) await cleaned;
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
      action: failure || suspension ? null : action,
    });
  }
  if (failure) throw failure.error;
  if (suspension) throw suspension;
  return action;
}
