import { sql } from 'drizzle-orm';
import type { StoredCheckpoint } from '../attempt-data.ts';
import { rowsOf, type Transaction, uuidArray } from '../db.ts';
import type { JobQueue } from './boss.ts';
import { appendEventsBehind, claimedEvent, statusEvent } from './events.ts';
import type { FetchedJob } from './jobs.ts';

/**
 * One attempt of a task, as its claim made it: immutable. Every write of the attempt is fenced by
 * (`taskId`, `attempt`, status running), so once another claim or a cancel took the task, nothing this
 * attempt writes lands.
 */
export interface Attempt {
  readonly job: Readonly<FetchedJob>;
  readonly taskId: string;
  readonly owner: string;
  readonly workflow: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** The checkpoint the attempt resumes from (null: from the start). */
  readonly checkpoint: StoredCheckpoint | null;
  readonly timeoutSeconds: number;
  readonly attempt: number;
  /** Results of the task's dependencies by task id (chaining); empty without dependencies. */
  readonly dependencyResults: Readonly<Record<string, unknown>>;
}

interface ClaimedRow {
  id: string;
  owner: string;
  workflow: string;
  params: Record<string, unknown>;
  checkpoint: StoredCheckpoint | null;
  timeout_seconds: number;
  attempt: number;
  dependency_results: Record<string, unknown> | null;
}

/**
 * Fetches up to `want` jobs of a workflow and claims their tasks in the caller's transaction: the jobs
 * become active and their tasks running (status event included) together, or neither does. A job whose
 * task must not run (cancelled while queued, replaced by a retry: its `job_id` differs) is completed in
 * the same transaction. Job rows are locked before task rows here, the one exception to the lock order
 * (see transaction.ts); task rows are locked in id order.
 */
export async function claimJobs(
  tx: Transaction,
  queue: JobQueue,
  workflow: string,
  want: number,
): Promise<{ jobs: FetchedJob[]; attempts: Attempt[] }> {
  const jobs = await queue.fetch(tx, workflow, want);
  if (jobs.length === 0) return { jobs, attempts: [] };
  const input = JSON.stringify(jobs.map((job) => ({ id: job.taskId, job_id: job.jobId })));
  // The `running` events go right behind the update, in the same round trip.
  const claimed = await appendEventsBehind(
    tx,
    tx.execute(sql`
      with x as (
        select * from jsonb_to_recordset(${input}::jsonb) as x(id uuid, job_id uuid)
      ), locked as (
        select id from tasks where id = any(${uuidArray(jobs.map((job) => job.taskId))})
        order by id for no key update
      )
      update tasks t set status = 'running', attempt = t.attempt + 1,
        started_at = coalesce(t.started_at, now()), heartbeat_at = now(), updated_at = now()
      from x
      where t.id = x.id and t.job_id = x.job_id and t.id in (select id from locked)
        and t.status in ('queued', 'scheduled', 'running')
      returning t.id, t.owner, t.workflow, t.params, t.checkpoint, t.timeout_seconds, t.attempt,
        case when cardinality(t.depends_on) > 0 then (
          select jsonb_object_agg(d.id, d.result) from tasks d where d.id = any(t.depends_on)
        ) end as dependency_results`),
    jobs.map((job) => claimedEvent(job.taskId, job.jobId)),
    (result) => rowsOf<ClaimedRow>(result).map((row) => statusEvent(row.id, 'running', row.attempt)),
  );
  const rows = rowsOf<ClaimedRow>(claimed);
  const byTask = new Map(rows.map((row) => [row.id, row]));
  await queue.complete(
    tx,
    jobs.filter((job) => !byTask.has(job.taskId)),
  );
  const attempts = jobs.flatMap((job): Attempt[] => {
    const row = byTask.get(job.taskId);
    if (!row) return [];
    return [
      Object.freeze({
        job: Object.freeze({ ...job }),
        taskId: row.id,
        owner: row.owner,
        workflow: row.workflow,
        params: row.params ?? {},
        checkpoint: row.checkpoint,
        timeoutSeconds: Number(row.timeout_seconds),
        attempt: Number(row.attempt),
        dependencyResults: row.dependency_results ?? {},
      }),
    ];
  });
  return { jobs, attempts };
}

/**
 * Heartbeats of running attempts: their tasks are stamped and their jobs touched (pg-boss fails a job
 * without one). Returns the task ids the attempts still own; the others lost their task (claimed again
 * elsewhere, cancelled, requeued by the reconciler).
 */
export async function beat(
  tx: Transaction,
  queue: JobQueue,
  attempts: readonly Attempt[],
): Promise<Set<string>> {
  if (attempts.length === 0) return new Set();
  const input = JSON.stringify(attempts.map((a) => ({ id: a.taskId, attempt: a.attempt, was: 'running' })));
  const owned = rowsOf<{ id: string }>(
    await tx.execute(sql`
      with x as (select * from jsonb_to_recordset(${input}::jsonb) as x(id uuid, attempt int, was text)),
      locked as (
        select id from tasks where id = any(${uuidArray(attempts.map((a) => a.taskId))})
        order by id for no key update
      )
      update tasks t set heartbeat_at = now()
      from x where t.id = x.id and t.attempt = x.attempt and t.status = x.was and t.id in (select id from locked)
      returning t.id`),
  );
  const alive = new Set(owned.map((row) => row.id));
  // Task rows before job rows (the lock order).
  await queue.touch(
    tx,
    attempts.filter((attempt) => alive.has(attempt.taskId)).map((attempt) => attempt.job),
  );
  return alive;
}
