import type { MetricsCounts, MetricsSnapshot } from '@kaygraph/contracts';
import type { Connection } from '@kaygraph/db';

type Sql = Connection['sql'];

interface ActiveRow {
  workflow: string;
  priority: string;
  status: string;
  n: number;
}

interface FinishedRow extends ActiveRow {
  timed: number;
  duration_sum: number;
}

/** Sums kept while grouping; turned into MetricsCounts at the end. */
interface Tally {
  byStatus: Map<string, number>;
  /** Completed tasks with a start time, and the sum of their run times in seconds. */
  timed: number;
  durationSum: number;
}

const emptyTally = (): Tally => ({ byStatus: new Map(), timed: 0, durationSum: 0 });

function countsOf(tally: Tally): MetricsCounts {
  const n = (status: string) => tally.byStatus.get(status) ?? 0;
  const finished = n('completed') + n('failed');
  return {
    tasks_pending: n('pending') + n('queued') + n('blocked') + n('scheduled'),
    tasks_running: n('running'),
    tasks_blocked: n('blocked'),
    tasks_scheduled: n('scheduled'),
    queue_depth: n('pending') + n('queued'),
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
 * The numbers behind `GET /metrics`, in two grouped queries whose cost does not grow with the
 * table: unfinished tasks through the partial active-status index (bounded by the per-owner queue
 * limit), finished ones through the partial `completed_at` index over the last `windowSeconds`.
 * `owner` limits everything to one owner's tasks; null counts every owner.
 */
export async function loadMetricsSnapshot(
  sql: Sql,
  opts: { owner: string | null; windowSeconds: number },
): Promise<MetricsSnapshot> {
  const byOwner = opts.owner === null ? sql`` : sql`and owner = ${opts.owner}`;
  const [active, finished] = await Promise.all([
    sql<ActiveRow[]>`
      select workflow, priority, status, count(*)::int as n
      from tasks
      where completed_at is null ${byOwner}
      group by workflow, priority, status`,
    sql<FinishedRow[]>`
      select workflow, priority, status, count(*)::int as n,
             count(*) filter (where status = 'completed' and started_at is not null)::int as timed,
             coalesce(sum(extract(epoch from completed_at - started_at))
                        filter (where status = 'completed' and started_at is not null), 0)::float8
               as duration_sum
      from tasks
      where completed_at is not null
        and completed_at >= now() - make_interval(secs => ${opts.windowSeconds})
        and status in ('completed', 'failed', 'cancelled') ${byOwner}
      group by workflow, priority, status`,
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
  const slices = (row: ActiveRow) => [
    total,
    sliceOf(workflows, row.workflow),
    sliceOf(priorities, row.priority),
  ];
  for (const row of active) {
    for (const tally of slices(row)) add(tally, row.status, row.n);
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
