import type postgres from 'postgres';
import type { DurationStats, TaskStatsSource, TaskWindowStats } from './types.ts';

interface StatusRow {
  workflow: string;
  status: string;
  count: number;
}

interface DurationRow {
  workflow: string | null;
  count: number;
  mean: number | null;
  p50: number | null;
  p95: number | null;
  max: number | null;
}

interface ErrorRow {
  code: string;
  message: string;
  count: number;
  workflows: string[];
}

/** Task statistics of one owner over a window of creation times, computed by PostgreSQL. */
export function createPostgresTaskStats(sql: postgres.Sql, owner: string): TaskStatsSource {
  return {
    async stats(window): Promise<TaskWindowStats> {
      const from = window.from.toISOString();
      const to = window.to.toISOString();
      const inWindow = sql`owner = ${owner} and created_at >= ${from}::timestamptz and created_at < ${to}::timestamptz`;
      const statusRows = await sql<StatusRow[]>`
        select workflow, status, count(*)::int as count
        from tasks where ${inWindow}
        group by workflow, status order by workflow, status`;
      // grouping sets give the per-workflow rows and the overall row (workflow null) in one pass
      const durationRows = await sql<DurationRow[]>`
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
      const errorRows = await sql<ErrorRow[]>`
        select coalesce(error->>'code', 'UNKNOWN') as code,
               coalesce(left(error->>'message', 300), '') as message,
               count(*)::int as count,
               array_agg(distinct workflow order by workflow) as workflows
        from tasks where ${inWindow} and status = 'failed'
        group by 1, 2 order by count desc, code, message limit 10`;
      return assemble(statusRows, durationRows, errorRows);
    },
  };
}

function toDuration(row: DurationRow | undefined): DurationStats | null {
  if (!row || row.count === 0 || row.mean === null) return null;
  const r = (v: number | null) => Math.round((v ?? 0) * 1000) / 1000;
  return { count: row.count, mean: r(row.mean), p50: r(row.p50), p95: r(row.p95), max: r(row.max) };
}

function assemble(
  statusRows: StatusRow[],
  durationRows: DurationRow[],
  errorRows: ErrorRow[],
): TaskWindowStats {
  const byStatus: Record<string, number> = {};
  const workflows = new Map<string, { total: number; by_status: Record<string, number> }>();
  let total = 0;
  for (const row of statusRows) {
    total += row.count;
    byStatus[row.status] = (byStatus[row.status] ?? 0) + row.count;
    const entry = workflows.get(row.workflow) ?? { total: 0, by_status: {} };
    entry.total += row.count;
    entry.by_status[row.status] = row.count;
    workflows.set(row.workflow, entry);
  }
  const completed = byStatus.completed ?? 0;
  const failed = byStatus.failed ?? 0;
  return {
    total,
    by_status: byStatus,
    by_workflow: [...workflows.entries()]
      .sort((a, b) => b[1].total - a[1].total || a[0].localeCompare(b[0]))
      .map(([workflow, entry]) => ({
        workflow,
        ...entry,
        duration_seconds: toDuration(durationRows.find((row) => row.workflow === workflow)),
      })),
    duration_seconds: toDuration(durationRows.find((row) => row.workflow === null)),
    error_rate: completed + failed > 0 ? Math.round((failed / (completed + failed)) * 10000) / 10000 : null,
    top_errors: errorRows.map((row) => ({ ...row, workflows: [...row.workflows] })),
  };
}
