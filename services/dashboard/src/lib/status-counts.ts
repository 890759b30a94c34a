import type { MetricsCounts, TaskStatus, TaskSummary } from '@kaygraph/contracts';

/**
 * The counts the Active and Metrics pages show, one per group of statuses. `queued` has not started and
 * waits for nothing but a worker or its group's execution (pending and queued); `waiting` waits for a signal, a time or child tasks; `blocked`
 * waits for its dependencies; `scheduled` for its run_at. Finished counts cover a recent window.
 */
export const COUNT_GROUPS = {
  queued: ['pending', 'queued'],
  running: ['running'],
  waiting: ['waiting'],
  blocked: ['blocked'],
  scheduled: ['scheduled'],
  completed: ['completed'],
  failed: ['failed'],
  cancelled: ['cancelled'],
} as const satisfies Record<string, readonly TaskStatus[]>;
export type CountKey = keyof typeof COUNT_GROUPS;

/** A count, and whether it is only a lower bound (its list was cut off at the page's cap). */
export interface Count {
  value: number;
  atLeast: boolean;
}
export type Counts = Record<CountKey, Count>;

const COUNT_KEYS = Object.keys(COUNT_GROUPS) as CountKey[];

/** The server's own counts: every task, never a lower bound. */
export function countsFromServer(metrics: MetricsCounts): Counts {
  const exact = (value: number): Count => ({ value, atLeast: false });
  return {
    // The Queued card counts tasks held in a group beside the queued ones, as COUNT_GROUPS says.
    queued: exact(metrics.tasks_queued + metrics.tasks_held),
    running: exact(metrics.tasks_running),
    waiting: exact(metrics.tasks_waiting),
    blocked: exact(metrics.tasks_blocked),
    scheduled: exact(metrics.tasks_scheduled),
    completed: exact(metrics.tasks_completed),
    failed: exact(metrics.tasks_failed),
    cancelled: exact(metrics.tasks_cancelled),
  };
}

/**
 * Counts of the tasks the page holds, for a server without metrics. A count is a lower bound when one
 * of its statuses was `truncated`; finished tasks count when they finished within `windowMs` of `now`.
 */
export function countsFromTasks(
  tasks: readonly TaskSummary[],
  truncated: ReadonlySet<TaskStatus>,
  now: number,
  windowMs: number,
): Counts {
  const counts = Object.fromEntries(
    COUNT_KEYS.map((key) => [
      key,
      { value: 0, atLeast: COUNT_GROUPS[key].some((status: TaskStatus) => truncated.has(status)) },
    ]),
  ) as Counts;
  for (const task of tasks) {
    const key = COUNT_KEYS.find((candidate) =>
      (COUNT_GROUPS[candidate] as readonly TaskStatus[]).includes(task.status),
    );
    if (!key) continue;
    const finishedAt = task.completed_at ? Date.parse(task.completed_at) : null;
    if (finishedAt !== null && now - finishedAt > windowMs) continue;
    counts[key].value += 1;
  }
  return counts;
}

/** "1234", or "≥ 1000" for a lower bound. */
export function formatCount(count: Count): string {
  return `${count.atLeast ? '≥ ' : ''}${count.value}`;
}

/** Whether a slice of the queue has anything not yet finished. */
export function hasUnfinished(counts: Counts): boolean {
  return (['queued', 'running', 'waiting', 'blocked', 'scheduled'] as const).some(
    (key) => counts[key].value > 0,
  );
}
