import type { PreparedTask } from '../service/validate-submit.ts';
import type { AttemptOutcome } from '../store/finish.ts';

/**
 * What the worker settles for an attempt: the store's outcome, and for a children wait its child tasks,
 * validated when the wait was planned (worker/plan-wait.ts) and submitted with the suspend.
 */
export type PlannedOutcome = AttemptOutcome & { children?: readonly PreparedTask[] };
