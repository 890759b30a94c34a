import { describe, expect, it } from 'vitest';
import { statusCountsFromServer, statusCountsFromTasks, totalCount } from './status-tab-counts.ts';
import { taskSummary as summary } from './test-fixtures.ts';

describe("the Tasks page's counts per status", () => {
  it("takes the server's counts: exact for unfinished tasks, lower bounds for finished ones", () => {
    const counts = statusCountsFromServer({
      tasks_pending: 9,
      tasks_held: 1,
      tasks_queued: 2,
      // The scheduled tasks are due: what a worker could start now, but not of status queued.
      queue_depth: 6,
      queue_age_seconds: 30,
      longest_run_seconds: 0,
      tasks_blocked: 3,
      tasks_scheduled: 4,
      tasks_running: 5,
      tasks_waiting: 6,
      tasks_completed: 7,
      tasks_failed: 8,
      tasks_cancelled: 9,
      avg_duration: 0,
      error_rate: 0,
    });
    expect(counts.pending).toEqual({ value: 1, atLeast: false });
    expect(counts.queued).toEqual({ value: 2, atLeast: false });
    expect(counts.waiting).toEqual({ value: 6, atLeast: false });
    expect(counts.cancelled).toEqual({ value: 9, atLeast: true });
    expect(totalCount(counts)).toEqual({ value: 45, atLeast: true });
  });

  it('counts the tasks the page holds when the server has no metrics', () => {
    const tasks = [
      summary({ status: 'running' }),
      summary({ status: 'queued' }),
      summary({ status: 'queued' }),
    ];
    const counts = statusCountsFromTasks(tasks, new Set(['queued']));
    expect(counts.running).toEqual({ value: 1, atLeast: false });
    expect(counts.queued).toEqual({ value: 2, atLeast: true });
    expect(counts.completed).toEqual({ value: 0, atLeast: true });
  });
});
