import type { TaskListOrder, TaskStatus } from '@kaygraph/contracts';

/**
 * How the Tasks page lists a status: queued tasks in the order they will run (the api's `next_to_run`,
 * so the order is the server's, never re-sorted here), every other status newest first.
 */
export function listOrderOf(status: TaskStatus | null): TaskListOrder {
  return status === 'queued' ? 'next_to_run' : 'newest';
}

/** What the pager's links say in each order. */
export const PAGER_LABELS: Record<TaskListOrder, { first: string; back: string; on: string }> = {
  newest: { first: 'Newest', back: '← Newer', on: 'Older →' },
  next_to_run: { first: 'First to run', back: '← Sooner', on: 'Later →' },
};
