import type { TaskError } from '@kaygraph/contracts';
import { sql } from 'drizzle-orm';
import { recordsJson, rowsOf, type Transaction, uuidArray } from '../db.ts';
import { appendEvents, type NewTaskEvent, statusEvent } from './events.ts';
import { waitColumnsFor } from './waits.ts';

/** Advisory lock of the maintenance pass (outside @kaygraph/db's 7_400_000-7_400_099). */
const MAINTENANCE_LOCK_KEY = 7_400_201;
/** Tasks handled per statement, so one pass never holds locks on a huge set. */
const BATCH = 1000;

/** Advisory lock of the liveness pass (taking back tasks of dead workers). */
const LIVENESS_LOCK_KEY = 7_400_202;

async function tryTransactionLock(tx: Transaction, key: number): Promise<boolean> {
  const [row] = rowsOf<{ locked: boolean }>(
    await tx.execute(sql`select pg_try_advisory_xact_lock(${key}) as locked`),
  );
  return row?.locked === true;
}

/**
 * Takes the cluster's maintenance lock for this transaction; false when another process holds it. Its
 * statements then run without the services' statement_timeout: a batch cancelled by it would be the same
 * batch on every later pass, and cleanup would stall for good. The lock keeps it to one such transaction.
 */
export async function tryMaintenanceLock(tx: Transaction): Promise<boolean> {
  if (!(await tryTransactionLock(tx, MAINTENANCE_LOCK_KEY))) return false;
  await tx.execute(sql`set local statement_timeout = 0`);
  return true;
}

/** Takes the cluster's liveness lock for this transaction; false when another process holds it. */
export function tryLivenessLock(tx: Transaction): Promise<boolean> {
  return tryTransactionLock(tx, LIVENESS_LOCK_KEY);
}

/**
 * Result TTL: finished tasks past `expires_at` lose their task records (`deleteTaskRecords`: result data
 * kept beside the row); the row stays (status, error, timings) for listings and statistics, its result and
 * checkpoint emptied and marked cleared for that expiry (`cleared_expires_at`), which takes it out of the
 * index the next pass reads. A child task keeps them while its parent is unfinished: the parent's wait
 * reads the children's results when the last one finishes.
 */
export async function clearExpiredResults(
  tx: Transaction,
  limit: number,
): Promise<{ tasks: number; events: number; artifacts: number }> {
  const expired = rowsOf<{ id: string }>(
    await tx.execute(sql`
      select t.id from tasks t
      where t.expires_at <= now() and t.cleared_expires_at is distinct from t.expires_at
        and not exists (select 1 from tasks p where p.id = t.parent_task_id and p.completed_at is null)
      order by t.expires_at
      limit ${limit}
      for update skip locked`),
  ).map((row) => row.id);
  if (expired.length === 0) return { tasks: 0, events: 0, artifacts: 0 };
  const deleted = await deleteTaskRecords(tx, expired);
  await tx.execute(sql`
    update tasks set result = null, checkpoint = null, resume = null, cleared_expires_at = expires_at
    where id = any(${uuidArray(expired)})`);
  return { tasks: expired.length, ...deleted };
}

/**
 * What is kept of a task beside its row, deleted when its result expires and when it is removed: its
 * events, artifacts, the signals nothing took and their idempotency keys (a repeat of a key is then a 409:
 * finished). The caller holds the tasks' row locks.
 */
export async function deleteTaskRecords(
  tx: Transaction,
  taskIds: readonly string[],
): Promise<{ events: number; artifacts: number }> {
  const ids = uuidArray(taskIds);
  const [counts] = rowsOf<{ events: number; artifacts: number }>(
    await tx.execute(sql`
      with events as (
        delete from task_events where task_id = any(${ids}) returning 1
      ), artifacts as (
        delete from task_artifacts where task_id = any(${ids}) returning 1
      ), signals as (
        delete from task_signals where task_id = any(${ids})
      ), signal_keys as (
        delete from task_signal_keys where task_id = any(${ids})
      )
      select (select count(*) from events)::int as events, (select count(*) from artifacts)::int as artifacts`),
  );
  return counts ?? { events: 0, artifacts: 0 };
}

/** A running task whose worker is gone, with what settling its pg-boss job needs. */
export interface OrphanedTask {
  id: string;
  workflow: string;
  version: string | null;
  jobId: string;
  attempt: number;
  /** pg-boss' retry count and limit of the job, recorded by the claim (see `retriesLeft`). */
  jobRetryCount: number;
  jobRetryLimit: number;
}

/**
 * The running tasks of `workerIds`, locked in id order with the parents of child tasks (the lock order,
 * store/fences.ts: a lost child's last retry reports to its parent). Rows being written right now are
 * skipped, and so is a task whose parent is: the next pass takes it.
 */
export async function lockTasksOfWorkers(
  tx: Transaction,
  workerIds: readonly string[],
): Promise<OrphanedTask[]> {
  if (workerIds.length === 0) return [];
  const workers = uuidArray(workerIds);
  const rows = rowsOf<{
    id: string;
    workflow: string;
    workflow_version: string | null;
    job_id: string;
    attempt: number;
    job_retry_count: number;
    job_retry_limit: number;
  }>(
    await tx.execute(sql`
      with candidates as (
        select id, parent_task_id from tasks
        where worker_id = any(${workers}) and status = 'running' and completed_at is null
        order by id limit ${BATCH}
      ), locked as (
        -- The filter is repeated here: a locked row is checked again in its latest version.
        select id, parent_task_id, workflow, workflow_version, job_id, attempt, job_retry_count, job_retry_limit,
          (worker_id = any(${workers}) and status = 'running' and completed_at is null and job_id is not null
            and job_retry_count is not null and job_retry_limit is not null) as orphan
        from tasks
        where id in (select id from candidates union select parent_task_id from candidates)
        order by id
        for no key update skip locked
      )
      select l.id, l.workflow, l.workflow_version, l.job_id, l.attempt, l.job_retry_count, l.job_retry_limit from locked l
      where l.orphan and (l.parent_task_id is null or l.parent_task_id in (select id from locked))
      order by l.id`),
  );
  return rows.map((row) => ({
    id: row.id,
    workflow: row.workflow,
    version: row.workflow_version,
    jobId: row.job_id,
    attempt: Number(row.attempt),
    jobRetryCount: Number(row.job_retry_count),
    jobRetryLimit: Number(row.job_retry_limit),
  }));
}

function workerLost(attempt: number): TaskError {
  return {
    code: 'WORKER_LOST',
    message: 'the worker running this task stopped (silent past its lease)',
    attempt,
  };
}

/**
 * Lost tasks with retries left: queued again (with the error of the lost attempt) for their job's retry,
 * each status event after the task's retry event (`failForRetry`: when it runs), if any.
 */
export async function markRequeued(
  tx: Transaction,
  lost: readonly OrphanedTask[],
  retryEvents: ReadonlyMap<string, NewTaskEvent>,
): Promise<void> {
  if (lost.length === 0) return;
  const input = recordsJson(lost.map((task) => ({ id: task.id, error: workerLost(task.attempt) })));
  await tx.execute(sql`
    update tasks t set status = 'queued', error = x.error, updated_at = now()
    from jsonb_to_recordset(${input}::jsonb) as x(id uuid, error jsonb)
    where t.id = x.id`);
  await appendEvents(
    tx,
    lost.flatMap((task) => {
      const retry = retryEvents.get(task.id);
      return [
        ...(retry ? [retry] : []),
        statusEvent(task.id, 'queued', task.attempt, workerLost(task.attempt)),
      ];
    }),
  );
}

/** Lost tasks without retries left: failed with WORKER_LOST, listed as dead letters. */
export async function markLost(
  tx: Transaction,
  lost: readonly OrphanedTask[],
  resultTtlSeconds: number,
): Promise<void> {
  if (lost.length === 0) return;
  const input = recordsJson(lost.map((task) => ({ id: task.id, error: workerLost(task.attempt) })));
  await tx.execute(sql`
    update tasks t set status = 'failed', ${waitColumnsFor(sql`'failed'`)}, error = x.error, completed_at = now(), updated_at = now(),
      dead_lettered_at = now(), expires_at = now() + make_interval(secs => ${resultTtlSeconds})
    from jsonb_to_recordset(${input}::jsonb) as x(id uuid, error jsonb)
    where t.id = x.id`);
  await appendEvents(
    tx,
    lost.map((task) => statusEvent(task.id, 'failed', task.attempt, workerLost(task.attempt))),
  );
}
