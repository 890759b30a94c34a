import type { TaskError, TaskStatus } from '@kaygraph/contracts';
import { type SQL, sql } from 'drizzle-orm';
import { recordsJson, rowsOf, type Transaction, uuidArray } from '../db.ts';
import { type SettleContext, settleDependents } from './dependencies.ts';
import { appendEvents, notifyCancelled, statusEvent } from './events.ts';
import type { QueueRef, TaskJob } from './jobs.ts';
import { TASK_JOB_COLUMNS, type TaskJobRow, taskJobOf } from './task-jobs.ts';
import { discardKeptSignals, waitColumnsFor } from './waits.ts';

/** A job of a task that was waiting when it was cancelled: cancel it in pg-boss once the cancel committed. */
export interface WaitingJob extends QueueRef {
  jobId: string;
}

/**
 * The task (or the group's tasks) and their child tasks at any depth. Walked a generation at a time: each
 * step is one lookup by `parent_task_id` (its index), where a recursive CTE left the plan to row estimates.
 */
export async function familyIds(tx: Transaction, where: SQL): Promise<string[]> {
  const roots = rowsOf<{ id: string }>(await tx.execute(sql`select id from tasks where ${where}`));
  const seen = new Set(roots.map((row) => row.id));
  for (let generation = [...seen]; generation.length > 0; ) {
    const children = rowsOf<{ id: string }>(
      await tx.execute(sql`select id from tasks where parent_task_id = any(${uuidArray(generation)})`),
    );
    generation = children.map((row) => row.id).filter((id) => !seen.has(id));
    for (const id of generation) seen.add(id);
  }
  return [...seen];
}

/**
 * Locks the family and the parents of its members in id order (the lock order, store/fences.ts: a
 * cancelled child reports to its parent), and returns the family. It is read again under the locks: should
 * a parent's children have been stored between the read and the lock, they are locked too.
 */
async function lockFamily(tx: Transaction, where: SQL): Promise<string[]> {
  const held = new Set<string>();
  for (;;) {
    const members = await familyIds(tx, where);
    const parents = rowsOf<{ id: string }>(
      await tx.execute(sql`
        select distinct parent_task_id as id from tasks
        where id = any(${uuidArray(members)}) and parent_task_id is not null`),
    ).map((row) => row.id);
    const missing = [...new Set([...members, ...parents])].filter((id) => !held.has(id));
    if (missing.length === 0) return members;
    await lockTasks(tx, missing);
    for (const id of missing) held.add(id);
  }
}

/**
 * What a cancel names: a task, a group's tasks, or those of `taskIds` still in `status` (read again under
 * their locks, so a task that moved on meanwhile is left alone).
 */
export type CancelTarget =
  | { taskId: string }
  | { groupId: string }
  | { taskIds: readonly string[]; status: TaskStatus };

function targetWhere(target: CancelTarget): SQL {
  if ('taskId' in target) return sql`id = ${target.taskId}`;
  if ('groupId' in target) return sql`group_id = ${target.groupId}`;
  return sql`id = any(${uuidArray(target.taskIds)}) and status = ${target.status}`;
}

/**
 * Up to `limit` queued tasks of a workflow (any owner's; stored under any of `workflows`, its names), oldest first: a bulk cancel's next batch. Locked,
 * skipping rows another transaction holds (a worker's claim, another bulk cancel): the batch is tasks still
 * queued at the commit, so a call cancels none only when none is left. Never waits, so the lock order holds.
 */
export async function queuedTaskIds(
  tx: Transaction,
  workflows: readonly string[],
  limit: number,
): Promise<string[]> {
  const rows = rowsOf<{ id: string }>(
    await tx.execute(sql`
      select id from tasks
      where completed_at is null and status = 'queued' and workflow in (select jsonb_array_elements_text(${JSON.stringify(workflows)}::jsonb))
      order by created_at, id limit ${limit}
      for no key update skip locked`),
  );
  return rows.map((row) => row.id);
}

/**
 * Cancels what `target` names (a task, a group's tasks, a batch still in a status), if unfinished, with
 * the unfinished child tasks of each (`runChildren`, at any depth): status, event, and for running tasks
 * the `task_cancel` notification (their workers abort and settle their jobs; later writes are fenced off
 * by the status); dependents fail with DEPENDENCY_FAILED. Task rows are locked in id order, with the parents of child
 * tasks. Returns the cancelled ids and the jobs of tasks that were not running (a queued task's job, a
 * waiting task's timer), which the caller cancels after commit (never a job row while task rows are held).
 */
export async function cancelTasks(
  ctx: SettleContext,
  tx: Transaction,
  target: CancelTarget,
  reason: string,
): Promise<{ ids: string[]; waitingJobs: WaitingJob[] }> {
  const members = await lockFamily(tx, targetWhere(target));
  const rows = rowsOf<{
    id: string;
    workflow: string;
    workflow_version: string | null;
    job_id: string | null;
    attempt: number;
    was: string;
    parent_task_id: string | null;
  }>(
    await tx.execute(sql`
      with target as (
        select id, status from tasks
        where id = any(${uuidArray(members)})
          and status in ('pending', 'blocked', 'scheduled', 'queued', 'running', 'waiting')
      )
      update tasks t set status = 'cancelled', ${waitColumnsFor(sql`'cancelled'`)},
        error = jsonb_build_object('code', 'CANCELLED', 'message', ${reason}::text, 'attempt', t.attempt),
        completed_at = now(), updated_at = clock_timestamp(), eta_seconds = null,
        expires_at = now() + make_interval(secs => ${ctx.resultTtlSeconds})
      from target where t.id = target.id
      returning t.id, t.workflow, t.workflow_version, t.job_id, t.attempt, target.status as was, t.parent_task_id`),
  );
  if (rows.length === 0) return { ids: [], waitingJobs: [] };
  const error = (attempt: number): TaskError => ({ code: 'CANCELLED', message: reason, attempt });
  await appendEvents(
    tx,
    rows.map((row) => statusEvent(row.id, 'cancelled', row.attempt, error(row.attempt))),
  );
  await notifyCancelled(
    tx,
    rows.filter((row) => row.was === 'running').map((row) => row.id),
  );
  await settleDependents(
    ctx,
    tx,
    rows.map((row) => ({ taskId: row.id, status: 'cancelled' as const, child: row.parent_task_id !== null })),
  );
  // Blocked tasks have no job yet; running tasks' jobs are settled by their workers.
  const waitingJobs = rows.flatMap((row): WaitingJob[] =>
    row.job_id && row.was !== 'blocked' && row.was !== 'running'
      ? [{ workflow: row.workflow, version: row.workflow_version, jobId: row.job_id }]
      : [],
  );
  return { ids: rows.map((row) => row.id), waitingJobs };
}

/** A finished task to run again, with the status it takes (`blocked` while dependencies run). */
export interface Requeue {
  taskId: string;
  status: 'queued' | 'blocked';
}

/**
 * Runs finished tasks again (retry, dead-letter redrive), at once: a new job id with the task's full retry budget,
 * error, start, completion and dead letter cleared (the new run's claim sets `started_at`, so the time the
 * task lay finished is no part of its duration), signals kept for the run before dropped, a status event;
 * the checkpoint stays, so the next attempt resumes after the last completed node. Returns the jobs to
 * create (none for blocked tasks).
 */
export async function requeueTasks(tx: Transaction, requeues: readonly Requeue[]): Promise<TaskJob[]> {
  if (requeues.length === 0) return [];
  const input = recordsJson(requeues.map((r) => ({ id: r.taskId, status: r.status })));
  const rows = rowsOf<TaskJobRow & { status: 'queued' | 'blocked'; attempt: number }>(
    await tx.execute(sql`
      update tasks t set status = x.status, error = null, job_id = gen_random_uuid(), started_at = null,
        completed_at = null, expires_at = null, dead_lettered_at = null, updated_at = clock_timestamp(),
        -- It runs at once (or once its dependencies complete), not at a retry's or a submit's later time.
        run_at = case when t.run_at > now() then now() else t.run_at end
      from jsonb_to_recordset(${input}::jsonb) as x(id uuid, status text)
      where t.id = x.id and t.id = any(${uuidArray(requeues.map((r) => r.taskId))})
      returning ${TASK_JOB_COLUMNS}, t.status, t.attempt`),
  );
  const discarded = await discardKeptSignals(
    tx,
    rows.map((row) => row.id),
  );
  await appendEvents(tx, [...discarded, ...rows.map((row) => statusEvent(row.id, row.status, row.attempt))]);
  return rows.filter((row) => row.status === 'queued').map((row) => taskJobOf(row));
}

/**
 * Locks tasks with the parents of those that are child tasks, in id order (the lock order: a child's
 * parent is locked with it), before a retry or redrive reads whether the parent still waits for them.
 */
export async function lockTasksWithParents(tx: Transaction, taskIds: readonly string[]): Promise<void> {
  if (taskIds.length === 0) return;
  const parents = rowsOf<{ id: string }>(
    await tx.execute(sql`
      select distinct parent_task_id as id from tasks
      where id = any(${uuidArray(taskIds)}) and parent_task_id is not null`),
  );
  await lockTasks(tx, [...new Set([...taskIds, ...parents.map((row) => row.id)])]);
}

/** Locks task rows in id order (the lock order) until the transaction ends. */
export async function lockTasks(tx: Transaction, taskIds: readonly string[]): Promise<void> {
  await tx.execute(
    sql`select 1 from tasks where id = any(${uuidArray(taskIds)}) order by id for no key update`,
  );
}
