import { DomainError, isUuid } from '@kaygraph/contracts';
import { type Caller, mayAccess } from './caller.ts';
import type { Executor } from './db.ts';
import { loadTask, type TaskRow } from './store/read.ts';

export function notFound(taskId: string): DomainError {
  return new DomainError('NOT_FOUND', `task ${taskId} not found`);
}

function visible(caller: Caller, taskId: string, row: TaskRow | undefined): TaskRow {
  // Another owner's task is NOT_FOUND, not FORBIDDEN: callers learn nothing about ids that are not theirs.
  if (!row || !mayAccess(caller, row.owner)) throw notFound(taskId);
  return row;
}

/** The task if the caller may see it. */
export async function loadVisibleTask(executor: Executor, caller: Caller, taskId: string): Promise<TaskRow> {
  if (!isUuid(taskId)) throw notFound(taskId);
  return visible(caller, taskId, await loadTask(executor, taskId));
}
