import type { ListTasksInput as ListTasksSchema } from '@kaygraph/contracts';
import {
  type ArtifactInfo,
  DomainError,
  isTerminalStatus,
  type ListTasksInput,
  type ListTasksOutput,
  type TaskError,
  type TaskProgressView,
  type TaskResultView,
  type TaskStatus,
  type TaskView,
} from '@kaygraph/contracts';
import { taskArtifacts, tasks } from '@kaygraph/db';
import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Caller } from '../catalog.ts';
import type { Executor } from '../db.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { summaryColumns, toProgressView, toTaskSummary, toTaskView } from './task-views.ts';
import { isTaskId, loadVisibleTask, notFound } from './visibility.ts';

export type ListTasksQuery = z.output<typeof ListTasksSchema>;
export type { ListTasksInput };

async function artifactsOf(executor: Executor, taskId: string): Promise<ArtifactInfo[]> {
  const rows = await executor
    .select({
      name: taskArtifacts.name,
      contentType: taskArtifacts.contentType,
      size: taskArtifacts.size,
      createdAt: taskArtifacts.createdAt,
    })
    .from(taskArtifacts)
    .where(eq(taskArtifacts.taskId, taskId))
    .orderBy(taskArtifacts.name);
  return rows.map((row) => ({
    name: row.name,
    content_type: row.contentType,
    size: row.size,
    created_at: row.createdAt.toISOString(),
  }));
}

export async function getTask(executor: Executor, caller: Caller, taskId: string): Promise<TaskView> {
  if (!isTaskId(taskId)) throw notFound(taskId);
  // Side by side on two connections: the artifacts are only returned once the task proved visible.
  const [row, artifacts] = await Promise.all([
    loadVisibleTask(executor, caller, taskId),
    artifactsOf(executor, taskId),
  ]);
  return toTaskView(row, artifacts);
}

export async function getProgress(
  executor: Executor,
  caller: Caller,
  taskId: string,
): Promise<TaskProgressView> {
  return toProgressView(await loadVisibleTask(executor, caller, taskId));
}

/** RESULT_NOT_READY until the task is finished; NOT_FOUND once the result has expired (RESULT_TTL). */
export async function getResult(executor: Executor, caller: Caller, taskId: string): Promise<TaskResultView> {
  const row = await loadVisibleTask(executor, caller, taskId);
  const status = row.status as TaskStatus;
  if (!isTerminalStatus(status)) {
    throw new DomainError('RESULT_NOT_READY', `task ${taskId} is ${status}; its result is not ready yet`);
  }
  if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) {
    throw new DomainError(
      'NOT_FOUND',
      `the result of task ${taskId} expired at ${row.expiresAt.toISOString()}`,
    );
  }
  return {
    task_id: row.id,
    status,
    ...(row.result === null ? {} : { result: row.result }),
    error: (row.error as TaskError | null) ?? null,
    completed_at: row.completedAt ? row.completedAt.toISOString() : null,
    artifacts: await artifactsOf(executor, taskId),
  };
}

export async function getArtifact(
  executor: Executor,
  caller: Caller,
  taskId: string,
  name: string,
): Promise<{ contentType: string; content: Buffer }> {
  await loadVisibleTask(executor, caller, taskId);
  const [row] = await executor
    .select({ contentType: taskArtifacts.contentType, content: taskArtifacts.content })
    .from(taskArtifacts)
    .where(and(eq(taskArtifacts.taskId, taskId), eq(taskArtifacts.name, name)))
    .limit(1);
  if (!row) throw new DomainError('NOT_FOUND', `task ${taskId} has no artifact named "${name}"`);
  return { contentType: row.contentType, content: Buffer.from(row.content) };
}

/** created_at as ISO text with microseconds, the cursor's form (see cursor.ts). */
const cursorTime = sql<string>`to_char(${tasks.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * Tasks in `status`, in terms the indexes answer (none reads `status` itself: see schema.ts): an unfinished
 * status among the unfinished tasks (`completed_at is null`), a finished one by `finished_status`.
 */
function hasStatus(status: TaskStatus): SQL {
  return isTerminalStatus(status)
    ? sql`${tasks.finishedStatus} = ${status}`
    : sql`${tasks.completedAt} is null and ${tasks.status} = ${status}`;
}

/** Newest first, by (created_at, id); filters combine with AND. */
export async function listTasks(
  executor: Executor,
  caller: Caller,
  query: ListTasksQuery,
): Promise<ListTasksOutput> {
  const conditions: SQL[] = [];
  if (caller.admin) {
    if (query.owner) conditions.push(eq(tasks.owner, query.owner));
  } else {
    if (query.owner && query.owner !== caller.owner) {
      throw new DomainError('FORBIDDEN', "only admins may list another owner's tasks");
    }
    conditions.push(eq(tasks.owner, caller.owner));
  }
  if (query.status) conditions.push(hasStatus(query.status));
  if (query.workflow) conditions.push(eq(tasks.workflow, query.workflow));
  if (query.group_id) conditions.push(eq(tasks.groupId, query.group_id));
  if (query.schedule_id) conditions.push(eq(tasks.scheduleId, query.schedule_id));
  if (query.cursor) {
    const cursor = decodeCursor(query.cursor);
    conditions.push(
      sql`(${tasks.createdAt}, ${tasks.id}) < (${cursor.createdAt}::timestamptz, ${cursor.id}::uuid)`,
    );
  }
  const limit = query.limit;
  const rows = await executor
    .select({ task: summaryColumns, cursorTime })
    .from(tasks)
    .where(and(...conditions))
    // NULLS LAST like the indexes (drizzle's `.desc()` in schema.ts): a plain DESC means NULLS FIRST, which
    // no index matches, and every page became a sort of the whole table (0.5 s at 1,000,000 rows).
    .orderBy(sql`${tasks.createdAt} desc nulls last`, sql`${tasks.id} desc nulls last`)
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map((row) => toTaskSummary(row.task)),
    next_cursor:
      rows.length > limit && last ? encodeCursor({ createdAt: last.cursorTime, id: last.task.id }) : null,
  };
}
