import {
  DomainError,
  type GroupStatus,
  type GroupStatusCounts,
  type GroupSummary,
  TASK_STATUSES,
  type TaskStatus,
} from '@kaygraph/contracts';
import { type SQL, sql } from 'drizzle-orm';
import type { Caller } from '../catalog.ts';
import { type Executor, rowsOf } from '../db.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function groupNotFound(groupId: string): DomainError {
  return new DomainError('NOT_FOUND', `group ${groupId} not found`);
}

/** One row of the summary query: the group and its task aggregates. */
export interface GroupSummaryRow {
  id: string;
  owner: string;
  name: string;
  created_at: string;
  cursor_time: string;
  cancelled_at: string | null;
  total: number;
  counts: Partial<Record<TaskStatus, number>> | null;
  progress: number | null;
  last_completed_at: string | null;
}

/**
 * Groups with their aggregates: counts per status, and progress as the mean over the tasks where a
 * finished task (completed, failed or cancelled) counts as 100, so a group's progress reaches 100 exactly
 * when every task has finished.
 */
export function groupSummarySql(where: SQL, tail: SQL = sql``): SQL {
  return sql`
    select g.id, g.owner, g.name, g.created_at, g.cancelled_at,
      to_char(g.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_time,
      coalesce(a.total, 0)::int as total, a.counts, a.progress, a.last_completed_at
    from task_groups g
    left join lateral (
      select count(*)::int as total,
        (select jsonb_object_agg(s.status, s.n) from (
          select status, count(*)::int as n from tasks where group_id = g.id group by status) s) as counts,
        avg(case when t.status in ('completed', 'failed', 'cancelled') then 100 else t.progress end)::float8
          as progress,
        max(t.completed_at) as last_completed_at
      from tasks t where t.group_id = g.id
    ) a on true
    where ${where}
    ${tail}`;
}

/** A group's status from its counts; see GroupStatus in the contracts. */
export function groupStatusOf(counts: GroupStatusCounts, total: number, cancelled: boolean): GroupStatus {
  if (cancelled) return 'cancelled';
  if (total === 0) return 'pending';
  const finished = counts.completed + counts.failed + counts.cancelled;
  if (finished < total) return 'running';
  if (counts.completed === total) return 'completed';
  if (counts.completed === 0) return 'failed';
  return 'partially_failed';
}

const iso = (value: string | Date | null): string | null => (value ? new Date(value).toISOString() : null);

export function toGroupSummary(row: GroupSummaryRow): GroupSummary {
  const counts = Object.fromEntries(
    TASK_STATUSES.map((status) => [status, row.counts?.[status] ?? 0]),
  ) as GroupStatusCounts;
  const status = groupStatusOf(counts, row.total, row.cancelled_at !== null);
  const finished = status !== 'pending' && status !== 'running';
  return {
    group_id: row.id,
    name: row.name,
    status,
    total: row.total,
    counts,
    progress: Math.round((row.progress ?? 0) * 100) / 100,
    created_at: iso(row.created_at) ?? new Date(0).toISOString(),
    cancelled_at: iso(row.cancelled_at),
    completed_at: finished ? iso(row.last_completed_at ?? row.cancelled_at) : null,
  };
}

/** The group if the caller may see it (another owner's group is NOT_FOUND, as tasks are). */
export async function loadGroupSummary(
  executor: Executor,
  caller: Caller,
  groupId: string,
): Promise<{ row: GroupSummaryRow; summary: GroupSummary }> {
  if (!UUID.test(groupId)) throw groupNotFound(groupId);
  const [row] = rowsOf<GroupSummaryRow>(await executor.execute(groupSummarySql(sql`g.id = ${groupId}`)));
  if (!row || (!caller.admin && row.owner !== caller.owner)) throw groupNotFound(groupId);
  return { row, summary: toGroupSummary(row) };
}
