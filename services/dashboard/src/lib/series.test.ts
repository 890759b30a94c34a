import type { TaskStatus, TaskSummary } from '@kaygraph/contracts';
import { describe, expect, it } from 'vitest';
import { bucketByMinute, durationScale, niceMax, percentile, sample, totalsOf } from './series.ts';
import { taskSummary } from './test-fixtures.ts';

const NOW = Date.parse('2026-01-01T12:30:30Z');

function finished(status: TaskStatus, completedAt: string, runSeconds: number): TaskSummary {
  const completed = Date.parse(completedAt);
  return taskSummary({
    status,
    progress: 100,
    created_at: new Date(completed - runSeconds * 1000 - 1000).toISOString(),
    updated_at: completedAt,
    started_at: new Date(completed - runSeconds * 1000).toISOString(),
    completed_at: completedAt,
  });
}

describe('bucketByMinute', () => {
  it('counts finished tasks per minute of the last hour and measures completed run times', () => {
    const tasks = [
      finished('completed', '2026-01-01T12:30:10Z', 2),
      finished('completed', '2026-01-01T12:30:20Z', 4),
      finished('failed', '2026-01-01T12:30:25Z', 1),
      finished('cancelled', '2026-01-01T12:29:59Z', 1),
      finished('completed', '2026-01-01T11:00:00Z', 9), // older than the window
    ];
    const buckets = bucketByMinute(tasks, NOW);
    expect(buckets).toHaveLength(60);
    expect(buckets.at(-1)).toEqual({
      start: Date.parse('2026-01-01T12:30:00Z'),
      completed: 2,
      failed: 1,
      cancelled: 0,
      avgDuration: 3,
      p95Duration: 4,
    });
    expect(buckets.at(-2)).toMatchObject({ completed: 0, cancelled: 1, avgDuration: null });
    expect(buckets.reduce((sum, bucket) => sum + bucket.completed, 0)).toBe(2);
  });

  it('sums the window for the headline numbers', () => {
    const tasks = [
      finished('completed', '2026-01-01T12:10:00Z', 10),
      finished('failed', '2026-01-01T12:20:00Z', 1),
    ];
    expect(totalsOf(tasks, NOW)).toEqual({
      completed: 1,
      failed: 1,
      cancelled: 0,
      avgDuration: 10,
      p95Duration: 10,
    });
  });
});

describe('helpers', () => {
  it('takes nearest-rank percentiles', () => {
    expect(percentile([5, 1, 3, 2, 4], 0.95)).toBe(5);
    expect(percentile([5, 1, 3, 2, 4], 0.5)).toBe(3);
    expect(percentile([], 0.5)).toBeNull();
  });

  it('samples long series evenly and keeps the last point', () => {
    const values = Array.from({ length: 1000 }, (_, index) => index);
    const picked = sample(values, 10);
    expect(picked).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 999]);
    expect(sample([1, 2, 3], 10)).toEqual([1, 2, 3]);
  });

  it('rounds axis maxima to 1, 2, 5 steps', () => {
    expect([0, 0.3, 3, 7, 11, 180].map(niceMax)).toEqual([1, 0.5, 5, 10, 20, 200]);
  });

  it('steps a duration axis in round seconds and minutes: 3 min runs read 1, 2, 3 min', () => {
    expect(durationScale(178)).toEqual({ max: 180, step: 60 });
    expect(durationScale(185)).toEqual({ max: 240, step: 60 });
    expect(durationScale(2.9)).toEqual({ max: 3, step: 1 });
    expect(durationScale(42)).toEqual({ max: 45, step: 15 });
    expect(durationScale(0)).toEqual({ max: 1, step: 0.5 });
  });
});
