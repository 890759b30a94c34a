import type { GroupStatus, TaskStatus } from '@kaygraph/contracts';

/**
 * A group's status from its tasks' counts per status (a missing status counts 0); see GroupStatus in the
 * contracts. Used where a group is shown and where a submit asks whether the group still takes tasks.
 */
export function groupStatusOf(
  counts: Partial<Record<TaskStatus, number>>,
  total: number,
  cancelled: boolean,
): GroupStatus {
  if (cancelled) return 'cancelled';
  const count = (status: TaskStatus) => counts[status] ?? 0;
  // No tasks yet, or nothing can run before the group is executed (held tasks and tasks waiting on them).
  if (total === 0 || (count('pending') > 0 && count('pending') + count('blocked') === total))
    return 'pending';
  const finished = count('completed') + count('failed') + count('cancelled');
  if (finished < total) return 'running';
  if (count('completed') === total) return 'completed';
  if (count('completed') === 0) return 'failed';
  return 'partially_failed';
}
