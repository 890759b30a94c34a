import type { ListTasksInput as ListTasksSchema } from '@kaygraph/contracts';
import {
  type ArtifactInfo,
  DomainError,
  isTerminalStatus,
  isUuid,
  LIST_ORDER_NEEDS_STATUS,
  type ListTasksInput,
  type ListTasksOutput,
  listOrderFitsStatus,
  type Priority,
  type TaskError,
  type TaskEvent,
  type TaskListOrder,
  type TaskProgressView,
  type TaskResultView,
  type TaskStatus,
  type TaskView,
  taskNeedsARun,
} from '@kaygraph/contracts';
import type { z } from 'zod';
import { type Caller, listedOwner, mayAccess } from '../caller.ts';
import type { TaskContext } from '../context.ts';
import { decodeCursor, decodeRunCursor, encodeRunCursor, pageOf, pageWith } from '../cursor.ts';
import type { Executor } from '../db.ts';
import { toTaskEvent } from '../events/task-event.ts';
import type { WorkflowRegistry } from '../registry/workflow-registry.ts';
import { readStateEventsAt } from '../store/events.ts';
import { listArtifacts, listTaskSummaries } from '../store/read.ts';
import { runPlaceOf } from '../store/run-order.ts';
import { loadVisibleTask, notFound } from '../visibility.ts';
import { idRangeOf } from './id-range.ts';
import { toProgressView, toTaskSummary, toTaskView } from './task-views.ts';
import { assertTaskWorkflow, storedWorkflowNames } from './workflow-match.ts';

/** The api's parsed `tasks.list` input; `order` may be left out (newest first), as in-process callers do. */
export type ListTasksQuery = Omit<z.output<typeof ListTasksSchema>, 'order'> & { order?: TaskListOrder };
export type { ListTasksInput };

async function artifactsOf(executor: Executor, taskId: string): Promise<ArtifactInfo[]> {
  const rows = await listArtifacts(executor, taskId);
  return rows.map((row) => ({
    name: row.name,
    content_type: row.contentType,
    size: row.size,
    created_at: row.createdAt.toISOString(),
  }));
}

export async function getTask(
  executor: Executor,
  registry: WorkflowRegistry,
  caller: Caller,
  taskId: string,
): Promise<TaskView> {
  if (!isUuid(taskId)) throw notFound(taskId);
  // Side by side: the artifacts are only returned once the task proved visible.
  const [row, artifacts] = await Promise.all([
    loadVisibleTask(executor, caller, taskId),
    artifactsOf(executor, taskId),
  ]);
  // A read of the registry only for a task that still has to run on its version.
  const version = row.workflowVersion;
  const versionState =
    version !== null && taskNeedsARun(row.status as TaskStatus)
      ? ((await registry.versionState(row.workflow, version, executor)) ?? null)
      : null;
  return toTaskView(row, artifacts, versionState);
}

/** Where a stream resumed after a seq starts: see TaskService.resumeState. */
export async function getResumeState(
  executor: Executor,
  caller: Caller,
  taskId: string,
  afterSeq: number,
): Promise<{ afterSeq: number; events: TaskEvent[]; ended: boolean }> {
  const task = await loadVisibleTask(executor, caller, taskId);
  // A resume point past the last stored event (a stale or invented id) resumes from the last one.
  const from = Math.min(afterSeq, task.lastSeq);
  const events = (await readStateEventsAt(executor, taskId, from)).map(toTaskEvent);
  return {
    afterSeq: from,
    events,
    ended: isTerminalStatus(task.status as TaskStatus) && from >= task.lastSeq,
  };
}

export async function getProgress(
  executor: Executor,
  caller: Caller,
  taskId: string,
): Promise<TaskProgressView> {
  return toProgressView(await loadVisibleTask(executor, caller, taskId));
}

/**
 * RESULT_NOT_READY until the task is finished; NOT_FOUND once the result has expired (RESULT_TTL);
 * CONFLICT when `workflow` names another workflow than the task's.
 */
export async function getResult(
  ctx: Pick<TaskContext, 'db' | 'workflows'>,
  caller: Caller,
  taskId: string,
  workflow?: string,
): Promise<TaskResultView> {
  const row = await loadVisibleTask(ctx.db, caller, taskId);
  if (workflow !== undefined) await assertTaskWorkflow(ctx.workflows, row, workflow);
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
    workflow: row.workflow,
    status,
    ...(row.result === null ? {} : { result: row.result }),
    error: (row.error as TaskError | null) ?? null,
    completed_at: row.completedAt ? row.completedAt.toISOString() : null,
    artifacts: await artifactsOf(ctx.db, taskId),
  };
}

/**
 * Newest first by (created_at, id), or in run order (`next_to_run`); filters combine with AND. A workflow
 * named by an alias lists the tasks of the workflow it resolves to (`registry`).
 */
export async function listTasks(
  executor: Executor,
  registry: WorkflowRegistry,
  caller: Caller,
  query: ListTasksQuery,
): Promise<ListTasksOutput> {
  if (query.owner && !mayAccess(caller, query.owner)) {
    throw new DomainError('FORBIDDEN', "only admins may list another owner's tasks");
  }
  // The api's input schema refuses it first; in-process callers are not parsed by it.
  if (!listOrderFitsStatus(query)) throw new DomainError('BAD_REQUEST', LIST_ORDER_NEEDS_STATUS);
  const limit = query.limit;
  const filter = {
    owner: listedOwner(caller) ?? query.owner,
    status: query.status,
    workflows: query.workflow ? await storedWorkflowNames(registry, query.workflow, executor) : undefined,
    groupId: query.group_id,
    scheduleId: query.schedule_id,
    parentTaskId: query.parent_task_id,
    idempotencyKey: query.idempotency_key,
    idRange: query.id_prefix ? idRangeOf(query.id_prefix) : undefined,
  };
  if (query.order === 'next_to_run') {
    const after = query.cursor ? decodeRunCursor(query.cursor) : undefined;
    const rows = await listTaskSummaries(executor, filter, { order: 'next_to_run', after }, limit + 1);
    const { page, next_cursor } = pageWith(rows, limit, (row) =>
      encodeRunCursor({
        place: runPlaceOf(row.task.priority as Priority),
        runnableAt: row.cursorTime,
        id: row.task.id,
      }),
    );
    return { items: page.map((row) => toTaskSummary(row.task)), next_cursor };
  }
  const before = query.cursor ? decodeCursor(query.cursor) : undefined;
  const rows = await listTaskSummaries(executor, filter, { order: 'newest', before }, limit + 1);
  const { page, next_cursor } = pageOf(rows, limit, (row) => ({
    createdAt: row.cursorTime,
    id: row.task.id,
  }));
  return { items: page.map((row) => toTaskSummary(row.task)), next_cursor };
}
