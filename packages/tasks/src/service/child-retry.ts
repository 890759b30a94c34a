import { DomainError } from '@kaygraph/contracts';
import type { ChildParent } from '../store/children.ts';

/**
 * A child task (`runChildren`) runs again by hand (retry, redrive) only while its parent waits for it:
 * the parent's count of finished children then takes its new outcome (store/children.ts). Once the parent
 * stopped waiting for it (resumed, finished), the child's outcome would go nowhere: CONFLICT, saying what
 * to do instead. Returns the refusal, or undefined when the task may run again.
 */
export function childRetryConflict(taskId: string, parent: ChildParent | undefined): DomainError | undefined {
  if (!parent || parent.waits_for_it) return undefined;
  const { parent_task_id: parentId, status } = parent;
  const what = `task ${taskId} is a child of task ${parentId}, which is ${status} and no longer waits for it`;
  const advice =
    status === 'failed' || status === 'cancelled'
      ? 'retry the parent instead'
      : status === 'completed'
        ? "the parent's result holds this child's outcome; submit the parent's workflow again to run it anew"
        : 'a child runs again only while its parent waits for it; retry the parent if it fails';
  return new DomainError('CONFLICT', `${what}: ${advice}`);
}
