import type { MetricsCounts, TaskStatus, TaskSummary } from '@kaygraph/contracts';
import { TASK_STATUSES, TERMINAL_STATUSES } from '@kaygraph/contracts';
import type { Count } from './status-counts.ts';

/** One count per status, as the Tasks page's tabs show them. */
export type StatusCounts = Record<TaskStatus, Count>;

const isFinished = (status: TaskStatus) => (TERMINAL_STATUSES as readonly TaskStatus[]).includes(status);

/**
 * The server's counts per status. Unfinished ones are exact; finished ones cover only the metrics
 * window (the last hour), so they are lower bounds of what the list holds.
 */
export function statusCountsFromServer(metrics: MetricsCounts): StatusCounts {
  const exact = (value: number): Count => ({ value, atLeast: false });
  const recent = (value: number): Count => ({ value, atLeast: true });
  return {
    pending: exact(metrics.tasks_held),
    queued: exact(metrics.tasks_queued),
    blocked: exact(metrics.tasks_blocked),
    scheduled: exact(metrics.tasks_scheduled),
    running: exact(metrics.tasks_running),
    waiting: exact(metrics.tasks_waiting),
    completed: recent(metrics.tasks_completed),
    failed: recent(metrics.tasks_failed),
    cancelled: recent(metrics.tasks_cancelled),
  };
}

/**
 * Counts of the tasks the live feed holds, for a server without metrics: lower bounds where a
 * status's list was `truncated`, and always for finished ones (the feed keeps the last hour only).
 */
export function statusCountsFromTasks(
  tasks: readonly TaskSummary[],
  truncated: ReadonlySet<TaskStatus>,
): StatusCounts {
  const counts = Object.fromEntries(
    TASK_STATUSES.map((status) => [
      status,
      { value: 0, atLeast: isFinished(status) || truncated.has(status) },
    ]),
  ) as StatusCounts;
  for (const task of tasks) counts[task.status].value += 1;
  return counts;
}

/** Every status together: a lower bound when any part is. */
export function totalCount(counts: StatusCounts): Count {
  const parts = Object.values(counts);
  return {
    value: parts.reduce((sum, count) => sum + count.value, 0),
    atLeast: parts.some((count) => count.atLeast),
  };
}
