import type { MetricsCounts, TaskStatus, TaskSummary } from '@kaygraph/contracts';
import { describe, expect, it } from 'vitest';
import { countsFromServer, countsFromTasks, formatCount } from './status-counts.ts';
import { taskSummary } from './test-fixtures.ts';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const HOUR = 3_600_000;

function task(status: TaskStatus, completedMsAgo: number | null = null): TaskSummary {
  return taskSummary({
    status,
    created_at: new Date(NOW - 2 * HOUR).toISOString(),
    updated_at: new Date(NOW).toISOString(),
    completed_at: completedMsAgo === null ? null : new Date(NOW - completedMsAgo).toISOString(),
  });
}

describe('countsFromTasks', () => {
  it('counts a task waiting for a signal as waiting, apart from blocked and scheduled ones', () => {
    const counts = countsFromTasks(
      [
        task('waiting'),
        task('blocked'),
        task('scheduled'),
        task('scheduled'),
        task('pending'),
        task('queued'),
      ],
      new Set(),
      NOW,
      HOUR,
    );
    expect(counts.waiting).toEqual({ value: 1, atLeast: false });
    expect(counts.blocked).toEqual({ value: 1, atLeast: false });
    expect(counts.scheduled).toEqual({ value: 2, atLeast: false });
    expect(counts.queued).toEqual({ value: 2, atLeast: false });
    expect(counts.running).toEqual({ value: 0, atLeast: false });
  });

  it('says "at least" only for the counts whose list was cut off', () => {
    const counts = countsFromTasks(
      [task('completed', 1000), task('running')],
      new Set(['completed']),
      NOW,
      HOUR,
    );
    expect(formatCount(counts.completed)).toBe('≥ 1');
    expect(formatCount(counts.running)).toBe('1');
    expect(formatCount(counts.waiting)).toBe('0');
    expect(formatCount(countsFromTasks([], new Set(['pending']), NOW, HOUR).queued)).toBe('≥ 0');
  });

  it('counts finished tasks of the window only', () => {
    const counts = countsFromTasks([task('failed', 1000), task('failed', 2 * HOUR)], new Set(), NOW, HOUR);
    expect(counts.failed.value).toBe(1);
  });
});

describe('countsFromServer', () => {
  it('takes every figure from the snapshot, never as a lower bound', () => {
    const metrics: MetricsCounts = {
      tasks_pending: 9,
      tasks_running: 3,
      tasks_waiting: 4,
      tasks_blocked: 2,
      tasks_scheduled: 1,
      // One of the 6 not started and not waiting is held in a group: queued, but not in queue_depth; the
      // scheduled task is due, in queue_depth but not queued.
      tasks_held: 1,
      tasks_queued: 5,
      queue_depth: 6,
      queue_age_seconds: 12,
      longest_run_seconds: 0,
      tasks_completed: 2510,
      tasks_failed: 310,
      tasks_cancelled: 5,
      avg_duration: 1.5,
      error_rate: 0.11,
    };
    const counts = countsFromServer(metrics);
    expect(
      Object.fromEntries(Object.entries(counts).map(([key, count]) => [key, formatCount(count)])),
    ).toEqual({
      queued: '6',
      running: '3',
      waiting: '4',
      blocked: '2',
      scheduled: '1',
      completed: '2510',
      failed: '310',
      cancelled: '5',
    });
  });
});
