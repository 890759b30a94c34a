import type { TaskStatus } from '@kaygraph/contracts';
import { sql } from 'drizzle-orm';
import { recordsJson, rowsOf, type Transaction, uuidArray } from '../db.ts';
import type { WaitingJob } from './control.ts';
import { appendEvents } from './events.ts';
import type { TaskJob } from './jobs.ts';
import { TASK_JOB_COLUMNS, type TaskJobRow, taskJobOf } from './task-jobs.ts';

/** An unfinished task of a workflow version, as a move to another version judges it. */
export interface VersionTask {
  id: string;
  status: TaskStatus;
  params: Record<string, unknown>;
  /** It resumes from a checkpoint of its version's graph (it waits, or ran nodes before a retry). */
  hasCheckpoint: boolean;
  /** Its `concurrency_key` (null: none). */
  concurrencyKey: string | null;
}

/**
 * Locks (in id order) and reads the next `limit` unfinished tasks of a workflow version after `afterId`
 * (null: from the first), ordered by id so a caller walks them page by page.
 */
export async function lockVersionTasks(
  tx: Transaction,
  from: { workflow: string; version: string },
  afterId: string | null,
  limit: number,
): Promise<VersionTask[]> {
  const rows = rowsOf<{
    id: string;
    status: TaskStatus;
    params: Record<string, unknown> | null;
    has_checkpoint: boolean;
    concurrency_key: string | null;
  }>(
    await tx.execute(sql`
      select id, status, params, checkpoint is not null as has_checkpoint, concurrency_key from tasks
      where workflow = ${from.workflow} and workflow_version = ${from.version} and completed_at is null
        ${afterId === null ? sql`` : sql`and id > ${afterId}`}
      order by id limit ${limit} for no key update`),
  );
  return rows.map((row) => ({
    id: row.id,
    status: row.status,
    params: row.params ?? {},
    hasCheckpoint: row.has_checkpoint,
    concurrencyKey: row.concurrency_key,
  }));
}

/** A task to move, with its params as the new version validated them (its defaults applied). */
export interface VersionMove {
  taskId: string;
  params: Record<string, unknown>;
}

/**
 * Moves locked tasks to `toVersion` with their new params, and a `log` event saying so. A task that has a
 * job (queued; scheduled: from its `run_at`; waiting on a timer: from the timer's end) gets a new one in
 * the new version's queue with a fresh `job_id` and the task's full retry budget, so the old job, should a
 * worker of the old version ever fetch it, is completed without running. Returns the new jobs to create
 * (in this transaction) and the old ones to cancel once it commits.
 */
export async function moveTasksToVersion(
  tx: Transaction,
  from: { workflow: string; version: string },
  toVersion: string,
  moves: readonly VersionMove[],
): Promise<{ jobs: TaskJob[]; oldJobs: WaitingJob[] }> {
  if (moves.length === 0) return { jobs: [], oldJobs: [] };
  const input = recordsJson(moves.map((move) => ({ id: move.taskId, params: move.params })));
  const rows = rowsOf<
    TaskJobRow & { old_job_id: string | null; start_after: string | null; has_job: boolean }
  >(
    await tx.execute(sql`
      with x as (
        select * from jsonb_to_recordset(${input}::jsonb) as x(id uuid, params jsonb)
      ), old as (
        select t.id, t.job_id as old_job_id,
          -- When the task's job starts: null for none (blocked, pending, a wait without a timer).
          case when t.status = 'queued' then now()
            when t.status = 'scheduled' then coalesce(t.run_at, now())
            when t.status = 'waiting' then coalesce(t.wait->>'deadline', t.wait->>'until')::timestamptz
          end as start_after
        from tasks t where t.id = any(${uuidArray(moves.map((move) => move.taskId))})
      )
      update tasks t set workflow_version = ${toVersion}, params = x.params,
        job_id = case when old.start_after is null then t.job_id else gen_random_uuid() end,
        -- A retry waiting out its backoff starts at once on the new version.
        run_at = case when t.status = 'queued' and t.run_at > now() then now() else t.run_at end,
        updated_at = clock_timestamp()
      from x, old
      where t.id = x.id and old.id = t.id and t.workflow = ${from.workflow}
        and t.workflow_version = ${from.version} and t.completed_at is null
      returning ${TASK_JOB_COLUMNS}, old.old_job_id, old.start_after, old.start_after is not null as has_job`),
  );
  await appendEvents(
    tx,
    rows.map((row) => ({
      taskId: row.id,
      type: 'log',
      payload: {
        level: 'info',
        message: `moved from version ${from.version} to version ${toVersion} of workflow "${from.workflow}"`,
      },
    })),
  );
  const withJobs = rows.filter((row) => row.has_job);
  return {
    jobs: withJobs.map((row) => taskJobOf(row, row.start_after === null ? null : new Date(row.start_after))),
    oldJobs: withJobs.flatMap((row): WaitingJob[] =>
      row.old_job_id ? [{ workflow: from.workflow, version: from.version, jobId: row.old_job_id }] : [],
    ),
  };
}
