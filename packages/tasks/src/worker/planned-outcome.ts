import type { AttemptOutcome } from '../store/finish.ts';
import type { PreparedTask } from '../submit/validate-submit.ts';

/**
 * What the worker settles for an attempt: the store's outcome, and for a children wait its child tasks,
 * validated when the wait was planned (worker/plan-wait.ts) and submitted with the suspend.
 */
export type PlannedOutcome = AttemptOutcome & { children?: readonly PreparedTask[] };
