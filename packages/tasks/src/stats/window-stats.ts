import type postgres from 'postgres';
import { type WindowDurationRow, windowRows } from '../store/stats.ts';

export interface DurationStats {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  max: number;
}

/** An owner's tasks created in a window: counts, run times (seconds) and the most common errors. */
export interface TaskWindowStats {
  total: number;
  by_status: Record<string, number>;
  by_workflow: Array<{
    workflow: string;
    total: number;
    by_status: Record<string, number>;
    duration_seconds: DurationStats | null;
  }>;
  duration_seconds: DurationStats | null;
  /** failed / (completed + failed); null when none finished. */
  error_rate: number | null;
  top_errors: Array<{ code: string; message: string; count: number; workflows: string[] }>;
}

function toDuration(row: WindowDurationRow | undefined): DurationStats | null {
  if (!row || row.count === 0 || row.mean === null) return null;
  const r = (v: number | null) => Math.round((v ?? 0) * 1000) / 1000;
  return { count: row.count, mean: r(row.mean), p50: r(row.p50), p95: r(row.p95), max: r(row.max) };
}

/** Statistics over `owner`'s tasks created in [from, to). */
export async function windowStats(
  sql: postgres.Sql,
  owner: string,
  window: { from: Date; to: Date },
): Promise<TaskWindowStats> {
  const { statuses, durations, errors } = await windowRows(sql, owner, window.from, window.to);
  const byStatus: Record<string, number> = {};
  const workflows = new Map<string, { total: number; by_status: Record<string, number> }>();
  let total = 0;
  for (const row of statuses) {
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
        duration_seconds: toDuration(durations.find((row) => row.workflow === workflow)),
      })),
    duration_seconds: toDuration(durations.find((row) => row.workflow === null)),
    error_rate: completed + failed > 0 ? Math.round((failed / (completed + failed)) * 10000) / 10000 : null,
    top_errors: errors.map((row) => ({ ...row, workflows: [...row.workflows] })),
  };
}
