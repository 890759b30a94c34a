import { DomainError } from '@kaygraph/contracts';
import { tasks } from '@kaygraph/db';
import { eq } from 'drizzle-orm';
import type { Caller } from '../catalog.ts';
import type { Executor } from '../db.ts';
import type { TaskRow } from './task-views.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `taskId` can name a task at all (a uuid); anything else is NOT_FOUND without a query. */
export function isTaskId(taskId: string): boolean {
  return UUID.test(taskId);
}

export function notFound(taskId: string): DomainError {
  return new DomainError('NOT_FOUND', `task ${taskId} not found`);
}

/**
 * The task if the caller may see it. Another owner's task is NOT_FOUND, not FORBIDDEN: callers learn
 * nothing about ids that are not theirs.
 */
export async function loadVisibleTask(executor: Executor, caller: Caller, taskId: string): Promise<TaskRow> {
  if (!isTaskId(taskId)) throw notFound(taskId);
  const [row] = await executor.select().from(tasks).where(eq(tasks.id, taskId)).limit(1);
  if (!row || (!caller.admin && row.owner !== caller.owner)) throw notFound(taskId);
  return row;
}
