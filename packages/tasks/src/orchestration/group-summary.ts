import {
  DomainError,
  type GroupStatusCounts,
  type GroupSummary,
  isTerminalGroupStatus,
  isUuid,
  TASK_STATUSES,
} from '@kaygraph/contracts';
import { type Caller, mayAccess } from '../caller.ts';
import type { Executor } from '../db.ts';
import { groupStatusOf } from '../group-status.ts';
import { type GroupSummaryRow, loadGroupSummaryRow } from '../store/groups.ts';

export function groupNotFound(groupId: string): DomainError {
  return new DomainError('NOT_FOUND', `group ${groupId} not found`);
}

const iso = (value: string | Date | null): string | null => (value ? new Date(value).toISOString() : null);

export function toGroupSummary(row: GroupSummaryRow): GroupSummary {
  const counts = Object.fromEntries(
    TASK_STATUSES.map((status) => [status, row.counts?.[status] ?? 0]),
  ) as GroupStatusCounts;
  const status = groupStatusOf(counts, row.total, row.cancelled_at !== null);
  const finished = isTerminalGroupStatus(status);
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
  if (!isUuid(groupId)) throw groupNotFound(groupId);
  const row = await loadGroupSummaryRow(executor, groupId);
  if (!row || !mayAccess(caller, row.owner)) throw groupNotFound(groupId);
  return { row, summary: toGroupSummary(row) };
}
