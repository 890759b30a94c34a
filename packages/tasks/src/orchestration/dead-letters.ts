import { randomUUID } from 'node:crypto';
import {
  type DeadLetterAttempt,
  type DeadLetterView,
  DomainError,
  type ListDeadLettersInput,
  type ListDeadLettersOutput,
  ListDeadLettersInput as ListDeadLettersSchema,
  type Priority,
  type PurgeDeadLetterOutput,
  type RedriveAllOutput,
  type RedriveOutput,
  type TaskError,
  type TaskStatus,
} from '@kaygraph/contracts';
import { type SQL, sql } from 'drizzle-orm';
import type { Caller } from '../catalog.ts';
import { type Executor, rowsOf, type Transaction } from '../db.ts';
import { appendEvents } from '../events/append-events.ts';
import { statusEvent } from '../events/task-event.ts';
import { bossTx } from '../queue/boss-tx.ts';
import { jobInsertFor } from '../queue/job-options.ts';
import { DEAD_LETTER_QUEUE, workflowQueue } from '../queue/names.ts';
import type { TaskContext } from '../service/context.ts';
import { decodeCursor, encodeCursor } from '../service/cursor.ts';
import { reblockDependents } from './retry-dependencies.ts';

/**
 * The dead-letter queue: pg-boss copies the job of a task whose last retry failed into
 * `tasks.dead_letter` (data `{ task_id }`); nothing works that queue, so its waiting jobs are the dead
 * letters. A dead letter is listed while its task is still failed (a manual `tasks.retry` takes it out of
 * the list); redrive runs the task again with its params and a full retry budget and removes the dead
 * letter in the same transaction; purge removes the dead letter and leaves the task failed.
 */

const BOSS_SCHEMA = 'pgboss';

interface DeadLetterRow {
  id: string;
  owner: string;
  workflow: string;
  priority: Priority;
  params: Record<string, unknown> | null;
  status: TaskStatus;
  attempt: number;
  max_retries: number;
  error: TaskError | null;
  group_id: string | null;
  schedule_id: string | null;
  created_at: string;
  completed_at: string | null;
  dead_lettered_at: string;
  cursor_time: string;
}

/** Waiting dead-letter jobs of visible, still failed tasks (the latest per task). */
function deadLettersSql(conditions: SQL[], tail: SQL): SQL {
  return sql`
    select t.id, t.owner, t.workflow, t.priority, t.params, t.status, t.attempt, t.max_retries, t.error,
      t.group_id, t.schedule_id, t.created_at, t.completed_at, j.dead_lettered_at,
      to_char(j.dead_lettered_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_time
    from (
      select distinct on (data->>'task_id') (data->>'task_id')::uuid as task_id, created_on as dead_lettered_at
      from ${sql.raw(BOSS_SCHEMA)}.job
      where name = ${DEAD_LETTER_QUEUE} and state = 'created' and data ? 'task_id'
      order by data->>'task_id', created_on desc
    ) j join tasks t on t.id = j.task_id
    where t.status = 'failed' and ${sql.join(conditions, sql` and `)}
    ${tail}`;
}

function visibility(caller: Caller): SQL[] {
  return caller.admin ? [sql`true`] : [sql`t.owner = ${caller.owner}`];
}

async function attemptsOf(executor: Executor, taskIds: string[]): Promise<Map<string, DeadLetterAttempt[]>> {
  const byTask = new Map<string, DeadLetterAttempt[]>();
  if (taskIds.length === 0) return byTask;
  const rows = rowsOf<{ task_id: string; attempt: number; error: TaskError | null; at: string }>(
    await executor.execute(sql`
      select task_id, (payload->>'attempt')::int as attempt, payload->'error' as error, at
      from task_events
      where task_id = any(${`{${taskIds.join(',')}}`}::uuid[]) and type = 'status'
        and payload->>'status' in ('queued', 'failed') and jsonb_typeof(payload->'error') = 'object'
      order by task_id, seq`),
  );
  for (const row of rows) {
    const list = byTask.get(row.task_id) ?? [];
    list.push({ attempt: row.attempt, error: row.error, at: new Date(row.at).toISOString() });
    byTask.set(row.task_id, list);
  }
  return byTask;
}

function toView(row: DeadLetterRow, attempts: DeadLetterAttempt[]): DeadLetterView {
  return {
    task_id: row.id,
    workflow: row.workflow,
    priority: row.priority,
    params: row.params ?? {},
    status: row.status,
    attempt: row.attempt,
    max_retries: row.max_retries,
    error: row.error,
    attempts,
    group_id: row.group_id,
    schedule_id: row.schedule_id,
    created_at: new Date(row.created_at).toISOString(),
    failed_at: row.completed_at ? new Date(row.completed_at).toISOString() : null,
    dead_lettered_at: new Date(row.dead_lettered_at).toISOString(),
  };
}

/** Newest dead letters first, with the last error and the attempt history (from the task's events). */
export async function listDeadLetters(
  executor: Executor,
  caller: Caller,
  raw: ListDeadLettersInput,
): Promise<ListDeadLettersOutput> {
  const query = ListDeadLettersSchema.parse(raw);
  const conditions = visibility(caller);
  if (query.workflow) conditions.push(sql`t.workflow = ${query.workflow}`);
  if (query.cursor) {
    const cursor = decodeCursor(query.cursor);
    conditions.push(sql`(j.dead_lettered_at, t.id) < (${cursor.createdAt}::timestamptz, ${cursor.id}::uuid)`);
  }
  const rows = rowsOf<DeadLetterRow>(
    await executor.execute(
      deadLettersSql(conditions, sql`order by j.dead_lettered_at desc, t.id desc limit ${query.limit + 1}`),
    ),
  );
  const page = rows.slice(0, query.limit);
  const attempts = await attemptsOf(
    executor,
    page.map((row) => row.id),
  );
  const last = page.at(-1);
  return {
    items: page.map((row) => toView(row, attempts.get(row.id) ?? [])),
    next_cursor:
      rows.length > query.limit && last ? encodeCursor({ createdAt: last.cursor_time, id: last.id }) : null,
  };
}

/** Dead letters visible to the caller among `where`, their task rows locked. */
async function lockDeadLetters(tx: Transaction, caller: Caller, where: SQL): Promise<DeadLetterRow[]> {
  const rows = rowsOf<DeadLetterRow>(
    await tx.execute(deadLettersSql([...visibility(caller), where], sql`order by t.id limit 1000`)),
  );
  if (rows.length === 0) return [];
  // Lock, then keep what is still failed (a concurrent redrive or retry may have won).
  const locked = rowsOf<{ id: string }>(
    await tx.execute(sql`
      select id from tasks where id = any(${`{${rows.map((row) => row.id).join(',')}}`}::uuid[])
        and status = 'failed'
      order by id for update`),
  );
  const still = new Set(locked.map((row) => row.id));
  return rows.filter((row) => still.has(row.id));
}

async function deleteDeadLetterJobs(ctx: TaskContext, tx: Transaction, taskIds: string[]): Promise<void> {
  const jobs = rowsOf<{ id: string }>(
    await tx.execute(sql`
      select id from ${sql.raw(BOSS_SCHEMA)}.job
      where name = ${DEAD_LETTER_QUEUE} and (data->>'task_id')::uuid = any(${`{${taskIds.join(',')}}`}::uuid[])`),
  );
  if (jobs.length > 0) {
    await ctx.boss.deleteJob(
      DEAD_LETTER_QUEUE,
      jobs.map((job) => job.id),
      { db: bossTx(tx) },
    );
  }
}

/** A new attempt of each task (same params, full retry budget, resuming from its checkpoint). */
async function requeue(ctx: TaskContext, tx: Transaction, rows: DeadLetterRow[]): Promise<void> {
  const jobs = rows.map((row) => ({ row, jobId: randomUUID() }));
  await tx.execute(sql`
    update tasks t set status = 'queued', error = null, job_id = x.job_id, completed_at = null,
      expires_at = null, updated_at = now()
    from jsonb_to_recordset(${JSON.stringify(jobs.map(({ row, jobId }) => ({ id: row.id, job_id: jobId })))}::jsonb)
      as x(id uuid, job_id uuid)
    where t.id = x.id`);
  await appendEvents(
    tx,
    rows.map((row) => statusEvent(row.id, 'queued', row.attempt)),
  );
  // Dependents that failed because these did wait for them again.
  await reblockDependents(
    tx,
    rows.map((row) => row.id),
  );
  const settings = rowsOf<{
    id: string;
    retry_delay_seconds: number;
    retry_backoff: boolean;
    timeout_seconds: number;
  }>(
    await tx.execute(sql`
      select id, retry_delay_seconds, retry_backoff, timeout_seconds from tasks
      where id = any(${`{${rows.map((row) => row.id).join(',')}}`}::uuid[])`),
  );
  const db = bossTx(tx);
  for (const { row, jobId } of jobs) {
    const setting = settings.find((candidate) => candidate.id === row.id);
    if (!setting) continue;
    const insert = jobInsertFor(
      {
        jobId,
        taskId: row.id,
        priority: row.priority,
        retryLimit: row.max_retries,
        retryDelaySeconds: setting.retry_delay_seconds,
        retryBackoff: setting.retry_backoff,
        timeoutSeconds: setting.timeout_seconds,
        startAfter: null,
      },
      ctx.tuning,
    );
    await ctx.boss.insert(workflowQueue(row.workflow), [insert], { db });
  }
}

function notDeadLettered(taskId: string): DomainError {
  return new DomainError('NOT_FOUND', `task ${taskId} is not in the dead-letter queue`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function redriveDeadLetter(
  ctx: TaskContext,
  caller: Caller,
  taskId: string,
): Promise<RedriveOutput> {
  if (!UUID.test(taskId)) throw notDeadLettered(taskId);
  return ctx.db.transaction(async (tx) => {
    const rows = await lockDeadLetters(tx, caller, sql`t.id = ${taskId}`);
    if (rows.length === 0) throw notDeadLettered(taskId);
    if (!ctx.catalog.get(rows[0]?.workflow ?? '')) {
      throw new DomainError(
        'CONFLICT',
        `workflow "${rows[0]?.workflow}" of task ${taskId} is no longer available`,
      );
    }
    await deleteDeadLetterJobs(ctx, tx, [taskId]);
    await requeue(ctx, tx, rows);
    return { task_id: taskId, status: 'queued' };
  });
}

/** Redrives every dead letter the caller may see (optionally of one workflow), up to 1000 per call. */
export async function redriveAllDeadLetters(
  ctx: TaskContext,
  caller: Caller,
  input: { workflow?: string | undefined },
): Promise<RedriveAllOutput> {
  return ctx.db.transaction(async (tx) => {
    const filter = input.workflow ? sql`t.workflow = ${input.workflow}` : sql`true`;
    const rows = (await lockDeadLetters(tx, caller, filter)).filter((row) => ctx.catalog.get(row.workflow));
    if (rows.length === 0) return { redriven: 0, task_ids: [] };
    const ids = rows.map((row) => row.id);
    await deleteDeadLetterJobs(ctx, tx, ids);
    await requeue(ctx, tx, rows);
    return { redriven: ids.length, task_ids: ids };
  });
}

/** Removes a task's dead letter; the task stays failed (and can still be retried with `tasks.retry`). */
export async function purgeDeadLetter(
  ctx: TaskContext,
  caller: Caller,
  taskId: string,
): Promise<PurgeDeadLetterOutput> {
  if (!UUID.test(taskId)) throw notDeadLettered(taskId);
  return ctx.db.transaction(async (tx) => {
    const rows = await lockDeadLetters(tx, caller, sql`t.id = ${taskId}`);
    if (rows.length === 0) throw notDeadLettered(taskId);
    await deleteDeadLetterJobs(ctx, tx, [taskId]);
    return { task_id: taskId, purged: true };
  });
}
