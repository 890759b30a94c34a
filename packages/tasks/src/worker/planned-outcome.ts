import type { AttemptOutcome } from '../store/finish.ts';
import type { PreparedTask } from '../submit/validate-submit.ts';

/**
 * The child tasks a children wait submits: each with its id and its place in the node's list. `reused`
 * counts the places taken by earlier children that completed (worker/reused-children.ts), not submitted.
 */
export interface PlannedChildren {
  tasks: readonly PreparedTask[];
  ids: readonly string[];
  indexes: readonly number[];
  reused: number;
}

/**
 * What the worker settles for an attempt: the store's outcome, and for a children wait its child tasks,
 * validated when the wait was planned (worker/plan-wait.ts) and submitted with the suspend.
 */
export type PlannedOutcome = AttemptOutcome & { children?: PlannedChildren };
