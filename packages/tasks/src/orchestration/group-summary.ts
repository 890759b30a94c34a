import {
  DomainError,
  type GroupStatus,
  type GroupStatusCounts,
  type GroupSummary,
  isUuid,
  TASK_STATUSES,
} from '@kaygraph/contracts';
import { type Caller, mayAccess } from '../caller.ts';
import type { Executor } from '../db.ts';
import { type GroupSummaryRow, loadGroupSummaryRow } from '../store/groups.ts';

export function groupNotFound(groupId: string): DomainError {
  return new DomainError('NOT_FOUND', `group ${groupId} not found`);
}

/** A group's status from its counts; see GroupStatus in the contracts. */
export function groupStatusOf(counts: GroupStatusCounts, total: number, cancelled: boolean): GroupStatus {
  if (cancelled) return 'cancelled';
  // No tasks yet, or nothing can run before the group is executed (held tasks and tasks waiting on them).
  if (total === 0 || (counts.pending > 0 && counts.pending + counts.blocked === total)) return 'pending';
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
  if (!isUuid(groupId)) throw groupNotFound(groupId);
  const row = await loadGroupSummaryRow(executor, groupId);
  if (!row || !mayAccess(caller, row.owner)) throw groupNotFound(groupId);
  return { row, summary: toGroupSummary(row) };
}
