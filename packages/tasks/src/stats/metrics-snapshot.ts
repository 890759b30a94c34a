import type { MetricsCounts, MetricsSnapshot } from '@kaygraph/contracts';
import type postgres from 'postgres';
import { finishedCounts, type StatusCountRow, unfinishedCounts } from '../store/stats.ts';

/** Sums kept while grouping; turned into MetricsCounts at the end. */
interface Tally {
  byStatus: Map<string, number>;
  runnable: number;
  oldestRunnableSeconds: number;
  longestRunSeconds: number;
  timed: number;
  durationSum: number;
}

const emptyTally = (): Tally => ({
  byStatus: new Map(),
  runnable: 0,
  oldestRunnableSeconds: 0,
  longestRunSeconds: 0,
  timed: 0,
  durationSum: 0,
});

function countsOf(tally: Tally): MetricsCounts {
  const n = (status: string) => tally.byStatus.get(status) ?? 0;
  const finished = n('completed') + n('failed');
  return {
    tasks_pending: n('pending') + n('queued') + n('blocked') + n('scheduled'),
    tasks_running: n('running'),
    tasks_waiting: n('waiting'),
    tasks_blocked: n('blocked'),
    tasks_scheduled: n('scheduled'),
    tasks_held: n('pending'),
    tasks_queued: n('queued'),
    queue_depth: tally.runnable,
    queue_age_seconds: Math.round(tally.oldestRunnableSeconds * 1000) / 1000,
    longest_run_seconds: Math.round(tally.longestRunSeconds * 1000) / 1000,
    tasks_completed: n('completed'),
    tasks_failed: n('failed'),
    tasks_cancelled: n('cancelled'),
    avg_duration: tally.timed > 0 ? Math.round((tally.durationSum / tally.timed) * 1000) / 1000 : 0,
    error_rate: finished > 0 ? Math.round((n('failed') / finished) * 10_000) / 10_000 : 0,
  };
}

function add(tally: Tally, status: string, n: number): void {
  tally.byStatus.set(status, (tally.byStatus.get(status) ?? 0) + n);
}

/**
 * The numbers behind `GET /metrics`: unfinished tasks now, finished ones over the last `windowSeconds`,
 * in total and by workflow and priority. `owner` limits them to one owner's tasks; null counts every owner.
 * The live workers, which belong to no owner, are the caller's to add.
 */
export async function metricsSnapshot(
  sql: postgres.Sql,
  opts: { owner: string | null; windowSeconds: number },
): Promise<Omit<MetricsSnapshot, 'workers' | 'paused_workflows'>> {
  const [active, finished] = await Promise.all([
    unfinishedCounts(sql, opts.owner),
    finishedCounts(sql, opts.owner, opts.windowSeconds),
  ]);
  const total = emptyTally();
  const workflows = new Map<string, Tally>();
  const priorities = new Map<string, Tally>();
  const sliceOf = (map: Map<string, Tally>, name: string): Tally => {
    const existing = map.get(name);
    if (existing) return existing;
    const created = emptyTally();
    map.set(name, created);
    return created;
  };
  const slices = (row: StatusCountRow) => [
    total,
    sliceOf(workflows, row.workflow),
    sliceOf(priorities, row.priority),
  ];
  for (const row of active) {
    for (const tally of slices(row)) {
      add(tally, row.status, row.n);
      tally.runnable += row.runnable;
      tally.oldestRunnableSeconds = Math.max(tally.oldestRunnableSeconds, row.oldest_runnable_seconds);
      tally.longestRunSeconds = Math.max(tally.longestRunSeconds, row.longest_run_seconds);
    }
  }
  for (const row of finished) {
    for (const tally of slices(row)) {
      add(tally, row.status, row.n);
      tally.timed += row.timed;
      tally.durationSum += Number(row.duration_sum);
    }
  }
  const record = (map: Map<string, Tally>) =>
    Object.fromEntries(
      [...map.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, countsOf(v)]),
    );
  return {
    ...countsOf(total),
    window_seconds: opts.windowSeconds,
    by_workflow: record(workflows),
    by_priority: record(priorities),
    scope: opts.owner ?? 'all',
    generated_at: new Date().toISOString(),
  };
}
