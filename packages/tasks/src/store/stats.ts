import type postgres from 'postgres';

/** Statistics queries. They take a postgres.js client and use only explicit casts, so any client works. */

export interface StatusCountRow {
  workflow: string;
  priority: string;
  status: string;
  n: number;
}

export interface UnfinishedCountRow extends StatusCountRow {
  /** Of `n`, the tasks a worker could start now (queued or scheduled, their `run_at` come or none). */
  runnable: number;
  /** How long the longest waiting of those has been runnable, in seconds (0: none). */
  oldest_runnable_seconds: number;
  /** How long the longest running of `n` has run in its current attempt, in seconds (0: none). */
  longest_run_seconds: number;
}

export interface FinishedCountRow extends StatusCountRow {
  /** Completed tasks with a start time, and the sum of their run times in seconds. */
  timed: number;
  duration_sum: number;
}

const ownerIs = (sql: postgres.Sql, owner: string | null) =>
  owner === null ? sql`` : sql`and owner = ${owner}`;

/**
 * Unfinished tasks by workflow, priority and status (through the partial index of unfinished tasks), with
 * those a worker could start now. A task is runnable from its `run_at` (a delay, a retry's backoff), or
 * from when it was last queued: a queued or scheduled task's row is updated before a claim only by
 * `move-tasks` (store/version-move.ts), so its `updated_at` is when it was submitted, queued again (retry,
 * resume, release), released by its dependencies or group, or moved to another workflow version.
 */
export function unfinishedCounts(sql: postgres.Sql, owner: string | null): Promise<UnfinishedCountRow[]> {
  return sql<UnfinishedCountRow[]>`
    select workflow, priority, status, count(*)::int as n,
           count(*) filter (where runnable)::int as runnable,
           coalesce(extract(epoch from now() - min(greatest(updated_at, run_at)) filter (where runnable)), 0)::float8
             as oldest_runnable_seconds,
           -- Runs claimed before 0019 have no run_started_at: their first start stands in.
           coalesce(extract(epoch from now() - min(coalesce(run_started_at, started_at)) filter (where status = 'running')), 0)::float8
             as longest_run_seconds
    from (
      select workflow, priority, status, updated_at, run_at, run_started_at, started_at,
             status in ('queued', 'scheduled') and (run_at is null or run_at <= now()) as runnable
      from tasks
      where completed_at is null ${ownerIs(sql, owner)}
    ) unfinished
    group by workflow, priority, status`;
}

/** Tasks finished in the last `windowSeconds` by workflow, priority and status, with run-time sums. */
export function finishedCounts(
  sql: postgres.Sql,
  owner: string | null,
  windowSeconds: number,
): Promise<FinishedCountRow[]> {
  return sql<FinishedCountRow[]>`
    select workflow, priority, status, count(*)::int as n,
           count(*) filter (where status = 'completed' and started_at is not null)::int as timed,
           coalesce(sum(extract(epoch from completed_at - started_at))
                      filter (where status = 'completed' and started_at is not null), 0)::float8
             as duration_sum
    from tasks
    where completed_at is not null
      and completed_at >= now() - make_interval(secs => ${windowSeconds})
      and status in ('completed', 'failed', 'cancelled') ${ownerIs(sql, owner)}
    group by workflow, priority, status`;
}

export interface WindowStatusRow {
  workflow: string;
  status: string;
  count: number;
}

export interface WindowDurationRow {
  /** null: over every workflow. */
  workflow: string | null;
  count: number;
  mean: number | null;
  p50: number | null;
  p95: number | null;
  max: number | null;
}

export interface WindowErrorRow {
  code: string;
  message: string;
  count: number;
  workflows: string[];
}

/** An owner's tasks created in [from, to): counts, run-time distributions and the most common errors. */
export async function windowRows(
  sql: postgres.Sql,
  owner: string,
  from: Date,
  to: Date,
): Promise<{ statuses: WindowStatusRow[]; durations: WindowDurationRow[]; errors: WindowErrorRow[] }> {
  const inWindow = sql`owner = ${owner} and created_at >= ${from.toISOString()}::timestamptz
    and created_at < ${to.toISOString()}::timestamptz`;
  const statuses = await sql<WindowStatusRow[]>`
    select workflow, status, count(*)::int as count
    from tasks where ${inWindow}
    group by workflow, status order by workflow, status`;
  // Grouping sets give the per-workflow rows and the overall row (workflow null) in one pass.
  const durations = await sql<WindowDurationRow[]>`
    with finished as (
      select workflow, extract(epoch from completed_at - started_at)::float8 as seconds
      from tasks
      where ${inWindow} and status in ('completed', 'failed')
        and started_at is not null and completed_at is not null
    )
    select workflow, count(*)::int as count, avg(seconds)::float8 as mean,
           percentile_cont(0.5) within group (order by seconds)::float8 as p50,
           percentile_cont(0.95) within group (order by seconds)::float8 as p95,
           max(seconds)::float8 as max
    from finished group by grouping sets ((workflow), ())`;
  const errors = await sql<WindowErrorRow[]>`
    select coalesce(error->>'code', 'UNKNOWN') as code,
           coalesce(left(error->>'message', 300), '') as message,
           count(*)::int as count,
           array_agg(distinct workflow order by workflow) as workflows
    from tasks where ${inWindow} and status = 'failed'
    group by 1, 2 order by count desc, code, message limit 10`;
  return { statuses, durations, errors };
}
