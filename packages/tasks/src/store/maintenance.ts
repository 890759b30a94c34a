import type { TaskError } from '@kaygraph/contracts';
import { sql } from 'drizzle-orm';
import { rowsOf, type Transaction, uuidArray } from '../db.ts';
import { appendEvents, statusEvent } from './events.ts';

/** Advisory lock of the maintenance pass (outside @kaygraph/db's 7_400_000-7_400_099). */
const MAINTENANCE_LOCK_KEY = 7_400_201;
/** Tasks handled per statement, so one pass never holds locks on a huge set. */
const BATCH = 1000;

/** Takes the cluster's maintenance lock for this transaction; false when another process holds it. */
export async function tryMaintenanceLock(tx: Transaction): Promise<boolean> {
  const [row] = rowsOf<{ locked: boolean }>(
    await tx.execute(sql`select pg_try_advisory_xact_lock(${MAINTENANCE_LOCK_KEY}) as locked`),
  );
  return row?.locked === true;
}

/**
 * Result TTL: finished tasks past `expires_at` lose their result, checkpoint, events and artifacts; the row
 * stays (status, error, timings) for listings and statistics.
 */
export async function clearExpiredResults(
  tx: Transaction,
): Promise<{ tasks: number; events: number; artifacts: number }> {
  const [counts] = rowsOf<{ tasks: number; events: number; artifacts: number }>(
    await tx.execute(sql`
      with expired as (
        select t.id from tasks t
        where t.expires_at <= now()
          and (t.result is not null or t.checkpoint is not null
            or exists (select 1 from task_events e where e.task_id = t.id)
            or exists (select 1 from task_artifacts a where a.task_id = t.id))
        order by t.expires_at
        limit ${BATCH}
        for update skip locked
      ), events as (
        delete from task_events e using expired where e.task_id = expired.id returning 1
      ), artifacts as (
        delete from task_artifacts a using expired where a.task_id = expired.id returning 1
      ), cleared as (
        update tasks t set result = null, checkpoint = null from expired where t.id = expired.id returning 1
      )
      select (select count(*) from cleared)::int as tasks, (select count(*) from events)::int as events,
        (select count(*) from artifacts)::int as artifacts`),
  );
  return counts ?? { tasks: 0, events: 0, artifacts: 0 };
}

export interface SilentTask {
  id: string;
  workflow: string;
  jobId: string;
  attempt: number;
}

/** Running tasks whose worker sent no heartbeat for `seconds`, locked (others' locked rows skipped). */
export async function lockSilentTasks(tx: Transaction, seconds: number): Promise<SilentTask[]> {
  const rows = rowsOf<{ id: string; workflow: string; job_id: string; attempt: number }>(
    await tx.execute(sql`
      select id, workflow, job_id, attempt from tasks
      where completed_at is null and status = 'running' and job_id is not null
        and coalesce(heartbeat_at, updated_at) < now() - make_interval(secs => ${seconds})
      order by id limit ${BATCH}
      for update skip locked`),
  );
  return rows.map((row) => ({ id: row.id, workflow: row.workflow, jobId: row.job_id, attempt: row.attempt }));
}

function workerLost(attempt: number): TaskError {
  return {
    code: 'WORKER_LOST',
    message: 'the worker running this task stopped (no heartbeat); its job was failed by the queue',
    attempt,
  };
}

/** Lost tasks whose job waits for its retry: shown queued again (with the error of the lost attempt). */
export async function markRequeued(tx: Transaction, lost: readonly SilentTask[]): Promise<void> {
  if (lost.length === 0) return;
  await tx.execute(sql`
    update tasks set status = 'queued', updated_at = now() where id = any(${uuidArray(lost.map((t) => t.id))})`);
  await appendEvents(
    tx,
    lost.map((task) => statusEvent(task.id, 'queued', task.attempt, workerLost(task.attempt))),
  );
}

/** Lost tasks whose job failed for good: failed with WORKER_LOST, listed as dead letters. */
export async function markLost(
  tx: Transaction,
  lost: readonly SilentTask[],
  resultTtlSeconds: number,
): Promise<void> {
  if (lost.length === 0) return;
  const input = JSON.stringify(lost.map((task) => ({ id: task.id, error: workerLost(task.attempt) })));
  await tx.execute(sql`
    update tasks t set status = 'failed', error = x.error, completed_at = now(), updated_at = now(),
      dead_lettered_at = now(), expires_at = now() + make_interval(secs => ${resultTtlSeconds})
    from jsonb_to_recordset(${input}::jsonb) as x(id uuid, error jsonb)
    where t.id = x.id`);
  await appendEvents(
    tx,
    lost.map((task) => statusEvent(task.id, 'failed', task.attempt, workerLost(task.attempt))),
  );
}
