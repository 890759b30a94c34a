import { sql } from 'drizzle-orm';
import { type Executor, recordsJson, rowsOf, uuidArray } from '../db.ts';
import { notifyRegistryChanged } from './registry.ts';

/**
 * Worker liveness: each worker process has a `workers` row whose `last_seen_at` it refreshes every beat,
 * and its claims stamp `tasks.worker_id`. The liveness monitor takes back the running tasks of a worker
 * that went silent for the lease or stopped (see `lockDeadWorkers`).
 */

/** Registers a worker process; returns its id (the `worker_id` of the tasks it claims). */
export async function registerWorker(
  db: Executor,
  worker: Omit<WorkerIdentity, 'id'>,
): Promise<WorkerIdentity> {
  const [row] = rowsOf<{ id: string }>(
    await db.execute(
      sql`insert into workers (host, pid) values (${worker.host}, ${worker.pid}) returning id`,
    ),
  );
  if (!row) throw new Error('registering the worker returned no row');
  return { id: row.id, ...worker };
}

/** A worker process as registered. */
export interface WorkerIdentity {
  id: string;
  host: string;
  pid: number;
}

/**
 * A worker's beat: it is seen now (and not reaped any more, should the monitor have taken it for dead
 * while it was cut off; its row, and which workflow versions it serves, are written again if it was
 * forgotten). Returns which of `attempts` still own their task (running, same attempt, this worker); the
 * others were taken back, cancelled or claimed again.
 */
export async function beatWorker(
  db: Executor,
  worker: WorkerIdentity,
  serves: readonly { name: string; version: string }[],
  attempts: readonly { taskId: string; attempt: number }[],
): Promise<Set<string>> {
  const ids = attempts.map((attempt) => attempt.taskId);
  const rows = rowsOf<{ id: string; attempt: number }>(
    await db.execute(sql`
      with seen as (
        insert into workers (id, host, pid) values (${worker.id}, ${worker.host}, ${worker.pid})
        on conflict (id) do update set last_seen_at = now(), reaped_at = null
        returning id, xmax = 0 as forgotten
      ), served as (
        insert into worker_workflows (worker_id, name, version)
        select seen.id, x.name, x.version
        from seen, jsonb_to_recordset(${recordsJson(serves)}::jsonb) as x(name text, version text)
        where seen.forgotten
        on conflict do nothing
      )
      select t.id, t.attempt from tasks t
      where t.id = any(${uuidArray(ids)}) and t.worker_id = (select id from seen) and t.status = 'running'`),
  );
  const current = new Map(rows.map((row) => [row.id, Number(row.attempt)]));
  return new Set(
    attempts.filter((attempt) => current.get(attempt.taskId) === attempt.attempt).map((a) => a.taskId),
  );
}

/** A worker that stopped: the monitor takes back at once whatever it left running. */
export async function stopWorker(db: Executor, workerId: string): Promise<void> {
  await db.execute(sql`update workers set stopped_at = now(), last_seen_at = now() where id = ${workerId}`);
  // The versions it served may have no live worker left: which version new tasks get may change.
  await notifyRegistryChanged(db);
}

/**
 * Workers to reap, locked (rows another monitor holds are skipped): stopped, or silent for `leaseSeconds`.
 * Silence is counted from no earlier than the database server's start and `healthySince` (when the
 * monitor got its connection back after an outage it saw), so an outage never makes a live worker look
 * dead: every worker gets a whole lease to reconnect. `alive`: workers known to run (in the monitor's own
 * process), never taken.
 */
export async function lockDeadWorkers(
  db: Executor,
  leaseSeconds: number,
  healthySince: Date | null,
  alive: readonly string[] = [],
): Promise<string[]> {
  const since = healthySince ? healthySince.toISOString() : null;
  const rows = rowsOf<{ id: string }>(
    await db.execute(sql`
      select id from workers
      where reaped_at is null and id <> all(${uuidArray(alive)})
        and (stopped_at is not null
          or greatest(last_seen_at, pg_postmaster_start_time(), ${since}::timestamptz)
            < now() - make_interval(secs => ${leaseSeconds}))
      order by id
      for update skip locked`),
  );
  return rows.map((row) => row.id);
}

/** Marks workers reaped whose running tasks were all taken back (none left, e.g. none skipped as locked). */
export async function markReaped(db: Executor, workerIds: readonly string[]): Promise<void> {
  if (workerIds.length === 0) return;
  await db.execute(sql`
    update workers w set reaped_at = now()
    where w.id = any(${uuidArray(workerIds)})
      and not exists (
        select 1 from tasks t where t.worker_id = w.id and t.status = 'running' and t.completed_at is null)`);
  await notifyRegistryChanged(db);
}

/** Forgets workers reaped more than `seconds` ago (their tasks moved on long since). */
export async function deleteReapedWorkers(db: Executor, seconds: number): Promise<number> {
  const rows = rowsOf<{ id: string }>(
    await db.execute(sql`
      delete from workers where reaped_at < now() - make_interval(secs => ${seconds}) returning id`),
  );
  return rows.length;
}
