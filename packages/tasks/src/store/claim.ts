import type { ResumeValue } from '@kaygraph/graph';
import { sql } from 'drizzle-orm';
import type { StoredCheckpoint } from '../attempt-data.ts';
import { recordsJson, rowsOf, type Transaction, uuidArray } from '../db.ts';
import type { StoredMetrics } from '../task-metrics.ts';
import type { JobQueue } from './boss.ts';
import { appendEvents, appendEventsBehind, claimedEvent, type NewTaskEvent, statusEvent } from './events.ts';
import type { FetchedJob, FetchQueue } from './jobs.ts';
import { lockKeyedClaims } from './key-slots.ts';
import { withinRateLimit } from './rate-slots.ts';
import { isWorkflowPaused, WorkflowPausedError } from './workflow-pauses.ts';

/**
 * One attempt of a task, as its claim made it: immutable. Every write of the attempt is fenced by
 * (`taskId`, `attempt`, status running), so once another claim or a cancel took the task, nothing this
 * attempt writes lands.
 */
export interface Attempt {
  readonly job: Readonly<FetchedJob>;
  readonly taskId: string;
  readonly owner: string;
  /** The parent of a child task (`runChildren`): locked with the task when the attempt finishes it. */
  readonly parentTaskId: string | null;
  readonly workflow: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** The checkpoint the attempt resumes from (null: from the start). */
  readonly checkpoint: StoredCheckpoint | null;
  /**
   * The task's node metrics as its last settled attempt left them (null: none did). A retry continues
   * them rather than the checkpoint's, which lack the steps after it (the failing one).
   */
  readonly metrics: StoredMetrics | null;
  /** How the wait of a waiting checkpoint ended (store/waits.ts); null: the task did not wait. */
  readonly resume: ResumeValue | null;
  /** The task's progress when the attempt resumes from a wait (its run reports nothing below); else null. */
  readonly resumedProgress: number | null;
  readonly timeoutSeconds: number;
  readonly attempt: number;
  /** Results of the task's dependencies by task id (chaining); empty without dependencies. */
  readonly dependencyResults: Readonly<Record<string, unknown>>;
}

/** The dependency results of every attempt of a task without dependencies: one object, frozen. */
const NO_DEPENDENCY_RESULTS: Readonly<Record<string, unknown>> = Object.freeze({});

interface ClaimedRow {
  /** The kind of wait (`signal`, `sleep`) whose timer this claim is; null: not a waiting task. */
  timer_kind: string | null;
  timer_signal: string | null;
  id: string;
  owner: string;
  parent_task_id: string | null;
  workflow: string;
  params: Record<string, unknown>;
  checkpoint: StoredCheckpoint | null;
  metrics: StoredMetrics['metrics'];
  metrics_omitted: number | null;
  metrics_by_node: StoredMetrics['byNode'];
  resume: ResumeValue | null;
  resumed_progress: number | null;
  timeout_seconds: number;
  attempt: number;
  dependency_results: Record<string, unknown> | null;
}

/** The events saying that a timer ended a task's wait: the signal's deadline passed, or the sleep ended. */
function timerEvents(rows: readonly ClaimedRow[]): NewTaskEvent[] {
  const events: NewTaskEvent[] = [];
  for (const row of rows) {
    if (row.timer_kind === null) continue;
    const message =
      row.timer_kind === 'sleep'
        ? 'the sleep ended'
        : `the deadline of the wait for the signal "${row.timer_signal ?? ''}" passed`;
    events.push({ taskId: row.id, type: 'log', payload: { level: 'info', message } });
  }
  return events;
}

/**
 * Fetches up to `want` jobs of a workflow version and claims their tasks in the caller's transaction: the jobs
 * become active and their tasks running (status event included) together, or neither does. A job whose
 * task must not run (cancelled while queued, replaced by a retry: its `job_id` differs) is completed in
 * the same transaction. A waiting task whose timer job comes due resumes with `timeout` (a signal's
 * deadline) or `wake` (a sleep), with a `log` event saying so. The tasks are stamped with `workerId`
 * (whose beats keep them) and their job's retry count and limit (to settle the job should the worker
 * die). Job rows are locked before task rows here, the one exception to the lock order (see
 * transaction.ts); task rows are locked in id order. A queue with a per-key limit is fetched with it (at
 * most that many active jobs per concurrency key), one claim at a time across workers (store/key-slots.ts).
 * A paused workflow's claim throws WorkflowPausedError (its transaction must roll back: the jobs stay queued).
 * A rate-limited workflow's claim takes at most the starts its window has left (store/rate-slots.ts).
 */
export function claimJobs(
  tx: Transaction,
  queue: JobQueue,
  workerId: string,
  from: FetchQueue,
  want: number,
): Promise<{ jobs: Readonly<FetchedJob>[]; attempts: Attempt[]; nextStartInSeconds: number | null }> {
  return withinRateLimit(tx, from, want, (granted) => claimUpTo(tx, queue, workerId, from, granted));
}

async function claimUpTo(
  tx: Transaction,
  queue: JobQueue,
  workerId: string,
  from: FetchQueue,
  want: number,
): Promise<{ jobs: Readonly<FetchedJob>[]; attempts: Attempt[] }> {
  if (from.concurrencyPerKey !== null) await lockKeyedClaims(tx, from);
  const jobs = await queue.fetch(tx, from, want, from.concurrencyPerKey);
  if (jobs.length === 0) return { jobs, attempts: [] };
  const input = recordsJson(
    jobs.map((job) => ({
      id: job.taskId,
      job_id: job.jobId,
      retry_count: job.retryCount,
      retry_limit: job.retryLimit,
    })),
  );
  // The `running` events go right behind the update, in the same round trip.
  const claimed = await appendEventsBehind(
    tx,
    tx.execute(sql`
      with x as (
        select * from jsonb_to_recordset(${input}::jsonb) as x(id uuid, job_id uuid, retry_count int, retry_limit int)
      ), gate as (
        -- The workflow's pause (store/workflow-pauses.ts): a pause waits for this lock; a claim that waited
        -- for a pause reads the row as the pause left it, and claims nothing.
        select paused_at from workflow_controls where name = ${from.workflow} for key share
      ), locked as (
        -- The lock order (store/fences.ts), reading what a waiting task waited for in its latest version.
        select id, case when status = 'waiting' then wait->>'kind' end as timer_kind, wait->>'signal' as timer_signal
        from tasks where id = any(${uuidArray(jobs.map((job) => job.taskId))}) order by id for no key update
      )
      update tasks t set status = 'running', attempt = t.attempt + 1,
        started_at = coalesce(t.started_at, now()), run_started_at = now(), updated_at = now(),
        -- A new attempt has no estimate until it reports (an earlier attempt's is not its own).
        eta_seconds = null,
        worker_id = ${workerId},
        job_retry_count = x.retry_count, job_retry_limit = x.retry_limit,
        -- A waiting task's own job is its timer: the deadline passed (signal) or the sleep is over.
        resume = case when t.status <> 'waiting' then t.resume
          when t.wait->>'kind' = 'sleep' then '{"kind":"wake"}'::jsonb else '{"kind":"timeout"}'::jsonb end,
        wait = case when t.status = 'waiting' then null else t.wait end
      from x, locked l
      where t.id = x.id and l.id = t.id and t.job_id = x.job_id
        and t.status in ('queued', 'scheduled', 'running', 'waiting')
        and not exists (select 1 from gate where paused_at is not null)
      returning l.timer_kind, l.timer_signal, t.id, t.owner, t.parent_task_id, t.workflow, t.params, t.checkpoint, t.resume, t.timeout_seconds, t.attempt,
        t.metrics, t.metrics_omitted, t.metrics_by_node,
        case when t.resume is not null then t.progress end as resumed_progress,
        case when cardinality(t.depends_on) > 0 then (
          select jsonb_object_agg(d.id, d.result) from tasks d where d.id = any(t.depends_on)
        ) end as dependency_results`),
    jobs.map((job) => claimedEvent(job.taskId, job.jobId)),
    (result) => rowsOf<ClaimedRow>(result).map((row) => statusEvent(row.id, 'running', row.attempt)),
  );
  const rows = rowsOf<ClaimedRow>(claimed);
  // Jobs left unclaimed are settled below as tasks that must not run; a pause keeps them: roll back.
  if (rows.length < jobs.length && (await isWorkflowPaused(tx, from.workflow))) {
    throw new WorkflowPausedError(from.workflow);
  }
  await appendEvents(tx, timerEvents(rows));
  const byTask = new Map(rows.map((row) => [row.id, row]));
  await queue.complete(
    tx,
    jobs.filter((job) => !byTask.has(job.taskId)),
  );
  const attempts: Attempt[] = [];
  for (const job of jobs) {
    const row = byTask.get(job.taskId);
    if (!row) continue;
    attempts.push(
      Object.freeze({
        // The fetched job itself, frozen: the attempt and its dispatch share it.
        job: Object.freeze(job),
        taskId: row.id,
        owner: row.owner,
        parentTaskId: row.parent_task_id,
        workflow: row.workflow,
        params: row.params ?? {},
        checkpoint: row.checkpoint,
        metrics:
          row.metrics === null
            ? null
            : { metrics: row.metrics, omitted: row.metrics_omitted, byNode: row.metrics_by_node },
        resume: row.resume,
        resumedProgress: row.resumed_progress === null ? null : Number(row.resumed_progress),
        timeoutSeconds: Number(row.timeout_seconds),
        attempt: Number(row.attempt),
        dependencyResults: row.dependency_results ?? NO_DEPENDENCY_RESULTS,
      }),
    );
  }
  return { jobs, attempts };
}
