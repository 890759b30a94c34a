import type { TaskStatus } from '@kaygraph/contracts';
import { isTerminalStatus } from '@kaygraph/contracts';
import { taskArtifacts, tasks } from '@kaygraph/db';
import { and, eq, getTableColumns, inArray, type SQL, sql } from 'drizzle-orm';
import { type Executor, rowsOf } from '../db.ts';
import { RUN_PLACE, RUNNABLE_AT } from './run-order.ts';

/**
 * A task as its service reads it: every column but the checkpoint and the resume value, which only the
 * worker reads (at its claim) and no answer holds: a waiting task's checkpoint is its whole shared store.
 */
const { checkpoint: _checkpoint, resume: _resume, ...taskColumns } = getTableColumns(tasks);

/**
 * `runSeconds`: how long a running task's current run has lasted, by the database's clock (null unless it
 * runs): clients show it without trusting their own clocks. Runs claimed before migration 0019 have no
 * run_started_at: their first start stands in.
 */
export type TaskRow = Omit<typeof tasks.$inferSelect, 'checkpoint' | 'resume'> & {
  runSeconds: number | null;
};

const runSeconds = sql<number | null>`case when ${tasks.status} = 'running'
  then extract(epoch from now() - coalesce(${tasks.runStartedAt}, ${tasks.startedAt}))::float8 end`;

/** The task row, or undefined. */
export async function loadTask(executor: Executor, taskId: string): Promise<TaskRow | undefined> {
  const [row] = await executor
    .select({ ...taskColumns, runSeconds })
    .from(tasks)
    .where(eq(tasks.id, taskId))
    .limit(1);
  return row;
}

/** The columns of a task summary: lists leave out params, result, checkpoint and metrics. */
export const summaryColumns = {
  id: tasks.id,
  workflow: tasks.workflow,
  status: tasks.status,
  priority: tasks.priority,
  progress: tasks.progress,
  step: tasks.step,
  message: tasks.message,
  etaSeconds: tasks.etaSeconds,
  attempt: tasks.attempt,
  maxRetries: tasks.maxRetries,
  groupId: tasks.groupId,
  scheduleId: tasks.scheduleId,
  concurrencyKey: tasks.concurrencyKey,
  parentTaskId: tasks.parentTaskId,
  runAt: tasks.runAt,
  error: tasks.error,
  createdAt: tasks.createdAt,
  updatedAt: tasks.updatedAt,
  startedAt: tasks.startedAt,
  completedAt: tasks.completedAt,
};

export type TaskSummaryRow = Pick<TaskRow, keyof typeof summaryColumns>;

export interface TaskFilter {
  owner?: string | undefined;
  status?: TaskStatus | undefined;
  /** Any of these names (a workflow's name and aliases). */
  workflows?: readonly string[] | undefined;
  groupId?: string | undefined;
  scheduleId?: string | undefined;
  parentTaskId?: string | undefined;
  idempotencyKey?: string | undefined;
  /** Ids from `from` to `to` (inclusive): the tasks whose id starts with a prefix. */
  idRange?: { from: string; to: string } | undefined;
}

/**
 * Where a page of a listing starts, in its order: `newest` strictly before a (created_at, id) pair;
 * `next_to_run` strictly after a (priority place, runnable at, id) triple.
 */
export type ListPosition =
  | { order: 'newest'; before?: { createdAt: string; id: string } | undefined }
  | { order: 'next_to_run'; after?: { place: number; runnableAt: string; id: string } | undefined };

/** A listed task with where it stands in its listing's order (what the next page's cursor holds). */
export interface ListedTask {
  task: TaskSummaryRow;
  /** Its created_at (`newest`) or its runnable time (`next_to_run`), as ISO text with microseconds. */
  cursorTime: string;
}

/** A time as ISO text with microseconds (the list cursor's form). */
const isoMicros = (time: SQL) =>
  sql<string>`to_char(${time} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * Tasks in `status`, in terms the indexes answer (none reads `status` itself, see db's schema/tasks.ts): unfinished
 * ones among `completed_at is null`, finished ones by `finished_status`.
 */
function hasStatus(status: TaskStatus): SQL {
  return isTerminalStatus(status)
    ? sql`${tasks.finishedStatus} = ${status}`
    : sql`${tasks.completedAt} is null and ${tasks.status} = ${status}`;
}

function conditionsOf(filter: TaskFilter): SQL[] {
  const conditions: SQL[] = [];
  if (filter.owner) conditions.push(eq(tasks.owner, filter.owner));
  if (filter.status) conditions.push(hasStatus(filter.status));
  if (filter.workflows) conditions.push(inArray(tasks.workflow, [...filter.workflows]));
  if (filter.groupId) conditions.push(eq(tasks.groupId, filter.groupId));
  if (filter.scheduleId) conditions.push(eq(tasks.scheduleId, filter.scheduleId));
  if (filter.parentTaskId) conditions.push(eq(tasks.parentTaskId, filter.parentTaskId));
  if (filter.idempotencyKey) conditions.push(eq(tasks.idempotencyKey, filter.idempotencyKey));
  if (filter.idRange) {
    conditions.push(sql`${tasks.id} between ${filter.idRange.from}::uuid and ${filter.idRange.to}::uuid`);
  }
  return conditions;
}

/** Task summaries in the position's order from where it starts, up to `limit`, with each row's cursor time. */
export async function listTaskSummaries(
  executor: Executor,
  filter: TaskFilter,
  position: ListPosition,
  limit: number,
): Promise<ListedTask[]> {
  const conditions = conditionsOf(filter);
  if (position.order === 'next_to_run') {
    const { after } = position;
    if (after) {
      conditions.push(
        sql`(${RUN_PLACE}, ${RUNNABLE_AT}, ${tasks.id}) > (${after.place}::int, ${after.runnableAt}::timestamptz, ${after.id}::uuid)`,
      );
    }
    return executor
      .select({ task: summaryColumns, cursorTime: isoMicros(RUNNABLE_AT) })
      .from(tasks)
      .where(and(...conditions))
      .orderBy(RUN_PLACE, RUNNABLE_AT, tasks.id)
      .limit(limit);
  }
  const { before } = position;
  if (before) {
    conditions.push(
      sql`(${tasks.createdAt}, ${tasks.id}) < (${before.createdAt}::timestamptz, ${before.id}::uuid)`,
    );
  }
  return (
    executor
      .select({ task: summaryColumns, cursorTime: isoMicros(sql`${tasks.createdAt}`) })
      .from(tasks)
      .where(and(...conditions))
      // NULLS LAST like the indexes: a plain DESC (NULLS FIRST) matches none of them.
      .orderBy(sql`${tasks.createdAt} desc nulls last`, sql`${tasks.id} desc nulls last`)
      .limit(limit)
  );
}

export interface ArtifactRow {
  name: string;
  contentType: string;
  size: number;
  createdAt: Date;
}

export async function listArtifacts(executor: Executor, taskId: string): Promise<ArtifactRow[]> {
  return executor
    .select({
      name: taskArtifacts.name,
      contentType: taskArtifacts.contentType,
      size: taskArtifacts.size,
      createdAt: taskArtifacts.createdAt,
    })
    .from(taskArtifacts)
    .where(eq(taskArtifacts.taskId, taskId))
    .orderBy(taskArtifacts.name);
}

/** Whether the database answers a trivial query (readiness). */
export async function databaseAnswers(executor: Executor): Promise<boolean> {
  return executor
    .execute(sql`select 1`)
    .then(() => true)
    .catch(() => false);
}

/** Whether the database has our tables: a process that does not migrate checks before it writes anything. */
export async function schemaPresent(executor: Executor): Promise<boolean> {
  const [row] = rowsOf<{ present: boolean }>(
    await executor.execute(sql`select to_regclass('tasks') is not null as present`),
  );
  return row?.present === true;
}
