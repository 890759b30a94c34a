import type { TaskSummary } from '@kaygraph/contracts';
import { secondsBetween } from './format.ts';

export interface MinuteBucket {
  /** Start of the minute, epoch ms. */
  start: number;
  completed: number;
  failed: number;
  cancelled: number;
  /** Run time (started -> completed) of the tasks that completed in this minute, in seconds. */
  avgDuration: number | null;
  p95Duration: number | null;
}

const MINUTE = 60_000;

/**
 * Finished tasks of the last `minutes` minutes, one bucket per minute ending with the current
 * one: what the throughput and duration charts draw.
 */
export function bucketByMinute(tasks: readonly TaskSummary[], now: number, minutes = 60): MinuteBucket[] {
  const lastStart = Math.floor(now / MINUTE) * MINUTE;
  const firstStart = lastStart - (minutes - 1) * MINUTE;
  const buckets = Array.from({ length: minutes }, (_, index) => ({
    start: firstStart + index * MINUTE,
    completed: 0,
    failed: 0,
    cancelled: 0,
    durations: [] as number[],
  }));
  for (const task of tasks) {
    if (!task.completed_at) continue;
    const index = Math.floor((Date.parse(task.completed_at) - firstStart) / MINUTE);
    const bucket = buckets[index];
    if (!bucket) continue;
    if (task.status === 'completed') {
      bucket.completed += 1;
      const duration = secondsBetween(task.started_at, task.completed_at);
      if (duration !== null && duration >= 0) bucket.durations.push(duration);
    } else if (task.status === 'failed') bucket.failed += 1;
    else if (task.status === 'cancelled') bucket.cancelled += 1;
  }
  return buckets.map(({ durations, ...bucket }) => ({
    ...bucket,
    avgDuration: durations.length
      ? durations.reduce((sum, value) => sum + value, 0) / durations.length
      : null,
    p95Duration: percentile(durations, 0.95),
  }));
}

/** Nearest-rank percentile; null for no data. */
export function percentile(values: readonly number[], fraction: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank] ?? null;
}

/** A round axis maximum at or above `value` (1, 2, 5 x 10^n). */
/** A y axis: its top value and the spacing of its gridlines. */
export interface YScale {
  max: number;
  step: number;
}

/** Gridline spacings a duration axis reads well at, in seconds: round ms, s, min and h. */
const DURATION_STEPS = [
  0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800,
  3600, 7200, 21_600, 43_200, 86_400,
];

/** A duration axis up to `highest` seconds in at most 4 round steps (1 min, 2 min ...), not 50 s ones. */
export function durationScale(highest: number): YScale {
  const value = highest > 0 ? highest : 1;
  const step = DURATION_STEPS.find((candidate) => value / candidate <= 4) ?? niceMax(value / 4);
  return { max: Math.ceil(value / step - 1e-9) * step, step };
}

export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) {
    if (step * magnitude >= value) return step * magnitude;
  }
  return 10 * magnitude;
}

export interface Totals {
  completed: number;
  failed: number;
  cancelled: number;
  avgDuration: number | null;
  p95Duration: number | null;
}

/** Whole-window figures for the headline numbers above the charts. */
export function totalsOf(tasks: readonly TaskSummary[], now: number, windowMs = 60 * MINUTE): Totals {
  const durations: number[] = [];
  const totals = { completed: 0, failed: 0, cancelled: 0 };
  for (const task of tasks) {
    if (!task.completed_at || now - Date.parse(task.completed_at) > windowMs) continue;
    if (task.status === 'completed') {
      totals.completed += 1;
      const duration = secondsBetween(task.started_at, task.completed_at);
      if (duration !== null && duration >= 0) durations.push(duration);
    } else if (task.status === 'failed') totals.failed += 1;
    else if (task.status === 'cancelled') totals.cancelled += 1;
  }
  return {
    ...totals,
    avgDuration: durations.length
      ? durations.reduce((sum, value) => sum + value, 0) / durations.length
      : null,
    p95Duration: percentile(durations, 0.95),
  };
}

/** Evenly spaced items, always keeping the last (the current state). */
export function sample<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  const step = items.length / max;
  const picked = Array.from({ length: max - 1 }, (_, index) => items[Math.floor(index * step)]);
  return [...picked, items.at(-1)].filter((item): item is T => item !== undefined);
}
