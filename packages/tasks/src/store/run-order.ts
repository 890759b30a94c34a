import type { Priority } from '@kaygraph/contracts';
import { RUN_ORDER_PRIORITIES, taskRunnableAt, taskRunPlace } from '@kaygraph/db';

/**
 * The run order (`tasks.list` with `order: next_to_run`): priority, as pg-boss fetches them, then the time
 * each became runnable, then id. The keys are the schema's (its index is on them). Where workers start
 * tasks in another order (tasks put in the queue again): the tasks README, "Run order".
 */
export const RUN_PLACE = taskRunPlace;
export const RUNNABLE_AT = taskRunnableAt;

/** A priority's place in the run order (0 runs first), as RUN_PLACE computes it: the cursor's first key. */
export function runPlaceOf(priority: Priority): number {
  return RUN_ORDER_PRIORITIES.indexOf(priority);
}
