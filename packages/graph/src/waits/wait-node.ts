import { GraphError } from '../errors.ts';
import { Node } from '../node.ts';
import type { ChildOutcome, Wait } from './requests.ts';

/**
 * A node that waits: `exec` returns a wait (`waitForSignal`, `sleepFor`, `runChildren`), the run
 * suspends, and when the runtime resumes it `post(shared, prepRes, value)` receives what the wait
 * produced (`R`: the signal payload, `undefined` after a sleep, the children's outcomes) and picks
 * the next action like any node. Nothing before it runs again; its `prep` result is kept in the
 * checkpoint, so it must be JSON.
 *
 * @example
 * class AwaitApproval extends WaitNode<Store, undefined, Approval> {
 *   override exec() { return waitForSignal<Approval>('approval', { onTimeout: 'timeout' }); }
 *   override post(shared: Store, _prep: undefined, approval: Approval) {
 *     return approval.approved ? 'approved' : 'rejected';
 *   }
 * }
 */
export class WaitNode<S = Record<string, unknown>, P = unknown, R = unknown> extends Node<
  S,
  P,
  R,
  P,
  Wait<R>
> {
  override exec(_prepRes: P): Wait<R> | Promise<Wait<R>> {
    throw new GraphError(`WaitNode "${this.id}" must return a wait from exec`);
  }
}

/** Some child tasks did not complete; `outcomes` says which. */
export class ChildTasksFailedError extends Error {
  override name = 'ChildTasksFailedError';
  readonly code = 'CHILD_FAILED';
  /** The children ended as they did: running the node again would not change that. */
  readonly retriable = false;
  readonly outcomes: ChildOutcome[];

  constructor(outcomes: ChildOutcome[]) {
    const failed = outcomes.flatMap((outcome) => (outcome.status === 'completed' ? [] : [outcome]));
    super(`${failed.length} of ${outcomes.length} child tasks did not complete (${firstFailure(failed[0])})`);
    this.outcomes = outcomes;
  }
}

/** Which child failed first and why, so its task can be found among many: `first: task …, failed: …`. */
function firstFailure(first: ChildOutcome | undefined): string {
  if (!first || first.status === 'completed') return 'first: none';
  const reason = first.error?.message;
  return `first: task ${first.task_id}, ${first.status}${reason ? `: ${reason}` : ''}`;
}

/** The children's results in order, or ChildTasksFailedError when any of them did not complete. */
export function childResults<R = unknown>(outcomes: readonly ChildOutcome<R>[]): R[] {
  const results: R[] = [];
  for (const outcome of outcomes) {
    if (outcome.status !== 'completed') throw new ChildTasksFailedError([...outcomes]);
    results.push(outcome.result);
  }
  return results;
}
