import { randomUUID } from 'node:crypto';
import type { NodeMetric, Priority, TaskError } from '@kaygraph/contracts';
import { taskArtifacts } from '@kaygraph/db';
import { sql } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import { rowsOf, type Transaction, uuidArray } from '../db.ts';
import { STORE_AND_NOTIFY_CTES } from '../events/append-events.ts';
import { settleDependents } from '../orchestration/dependencies.ts';
import type { QueueTuning } from '../queue/tuning.ts';
import type { ProducedArtifact } from './run-workflow.ts';
import { completeJobs, settleFailedAndReleasedJobs } from './settle-jobs.ts';
import type { ClaimedTask } from './task-store.ts';

/**
 * How an attempt ended, as the runtime decided it:
 * - `completed`: result stored, job completed;
 * - `retry`: failed with retries left: status back to `queued` with the error, pg-boss schedules the retry
 *   (backoff) from `fail`;
 * - `failed`: the last attempt failed (pg-boss moves the job to the dead-letter queue), or the error is not
 *   retriable (the job is cancelled);
 * - `released`: stopped by a shutdown: the task is queued again as a new job holding the retries it had
 *   left, so the shutdown costs no retry and the next attempt resumes from the checkpoint;
 * - `abandoned`: the task was cancelled while running (the cancel wrote its status): only the job is settled.
 */
export type AttemptOutcome =
  | {
      kind: 'completed';
      claim: ClaimedTask;
      result: unknown;
      artifacts: ProducedArtifact[];
      metrics: NodeMetric[];
    }
  | { kind: 'retry'; claim: ClaimedTask; error: TaskError; metrics: NodeMetric[] }
  | { kind: 'failed'; claim: ClaimedTask; error: TaskError; metrics: NodeMetric[]; retriable: boolean }
  | { kind: 'released'; claim: ClaimedTask; metrics: NodeMetric[] }
  | { kind: 'abandoned'; claim: ClaimedTask };

type WritingOutcome = Exclude<AttemptOutcome, { kind: 'abandoned' }>;

const STATUS_OF = { completed: 'completed', retry: 'queued', failed: 'failed', released: 'queued' } as const;

export interface OwnedRow {
  id: string;
  priority: Priority;
  retry_delay_seconds: number;
  retry_backoff: boolean;
  timeout_seconds: number;
}

export interface FinishContext {
  boss: PgBoss;
  tuning: QueueTuning;
  resultTtlSeconds: number;
}

/**
 * Settles attempts in the caller's transaction: task rows (fenced: only a claim that still owns its
 * running task writes), their final progress and status events, artifacts, and the pg-boss jobs through
 * the same transaction, so a task result and its job's completion commit together.
 */
export async function finishAttempts(
  ctx: FinishContext,
  tx: Transaction,
  outcomes: readonly AttemptOutcome[],
): Promise<void> {
  if (outcomes.length === 0) return;
  const releasedJobs = new Map<string, string>();
  const writing = outcomes.filter((outcome): outcome is WritingOutcome => outcome.kind !== 'abandoned');
  const input = JSON.stringify(
    writing.map((outcome) => {
      const newJobId = outcome.kind === 'released' ? randomUUID() : null;
      if (newJobId) releasedJobs.set(outcome.claim.taskId, newJobId);
      return {
        id: outcome.claim.taskId,
        attempt: outcome.claim.attempt,
        status: STATUS_OF[outcome.kind],
        result: outcome.kind === 'completed' ? (outcome.result ?? null) : null,
        error: outcome.kind === 'retry' || outcome.kind === 'failed' ? outcome.error : null,
        metrics: outcome.metrics,
        job_id: newJobId,
        step: outcome.claim.step,
        message: outcome.claim.message,
        was: 'running',
        // Subscribers that were sent a progress below 100 (0 included) get a `progress` 100 event; for the
        // others (none sent, or 100 already) the `completed` status stands for it.
        progress_event:
          outcome.kind === 'completed' &&
          outcome.claim.shownProgress !== null &&
          outcome.claim.shownProgress < 100,
      };
    }),
  );
  // One statement per batch: the task rows (fenced: only a claim that still owns its running task
  // writes), their events numbered from last_seq (a completion also reports progress 100 when its input
  // says so) and the NOTIFYs.
  // Events are stamped when written (clock_timestamp()), like appendEvents' events, not when the writer's
  // transaction began (now()), which may be after other work of its batch.
  // The run's own progress was settled (committed) before its outcome was queued, so nothing of this task
  // can be numbered after these events.
  // The fence's status comes from the input (`x.was`, see uuidArray).
  const updating = tx.execute(sql`
    with x as (
      select * from jsonb_to_recordset(${input}::jsonb) as x(id uuid, attempt int, status text, result jsonb,
        error jsonb, metrics jsonb, job_id uuid, step text, message text, was text, progress_event boolean)
    ), updated as (
      update tasks t set
        status = x.status,
        result = case when x.status = 'completed' then x.result else t.result end,
        error = x.error,
        metrics = x.metrics,
        progress = case when x.status = 'completed' then 100 else t.progress end,
        eta_seconds = case when x.status = 'completed' then 0 else t.eta_seconds end,
        checkpoint = case when x.status = 'completed' then null else t.checkpoint end,
        job_id = coalesce(x.job_id, t.job_id),
        completed_at = case when x.status in ('completed', 'failed') then now() end,
        expires_at = case when x.status in ('completed', 'failed')
          then now() + make_interval(secs => ${ctx.resultTtlSeconds}) end,
        last_seq = t.last_seq + case when x.progress_event then 2 else 1 end,
        updated_at = clock_timestamp()
      from x
      where t.id = x.id and t.attempt = x.attempt and t.status = x.was
        and t.id = any(${uuidArray(writing.map((outcome) => outcome.claim.taskId))})
      returning t.id, t.owner, t.workflow, t.last_seq, t.priority, t.max_retries, t.retry_delay_seconds,
        t.retry_backoff, t.timeout_seconds, x.status as new_status, x.error as new_error, x.attempt as new_attempt,
        x.step as last_step, x.message as last_message, x.progress_event
    ), numbered as (
      select u.id as task_id, u.owner, u.workflow, e.seq, e.type, e.payload, clock_timestamp() as at
      from updated u
      cross join lateral (values
        (u.last_seq - 1, 'progress',
          jsonb_build_object('progress', 100, 'step', u.last_step, 'message', u.last_message, 'eta_seconds', 0),
          u.progress_event),
        (u.last_seq, 'status',
          jsonb_build_object('status', u.new_status, 'attempt', u.new_attempt, 'error', u.new_error),
          true)
      ) as e(seq, type, payload, keep)
      where e.keep
    ), ${STORE_AND_NOTIFY_CTES}
    select u.id, u.priority, u.retry_delay_seconds, u.retry_backoff, u.timeout_seconds,
      (select count(*) from inserted) + (select count(*) from notified) as written
    from updated u`);
  // Issued now, before the update's answer: postgres.js runs a connection's queries in the order they were
  // issued, so these run right after the update with no round trip between (its events commit sooner) and
  // keep the lock order (task rows, then job rows). Neither depends on which tasks the update found:
  // - the jobs of completed, released and abandoned attempts are completed in any case (a claim that lost
  //   its task, cancelled meanwhile, still settles its job: nothing else will);
  // - the blocked dependents of completed attempts are released by a statement that reads the tasks'
  //   statuses itself, so a task the update did not complete (no longer this claim's) releases nothing.
  const [rows] = await Promise.all([
    updating.then((result) => rowsOf<OwnedRow>(result)),
    completeJobs(
      ctx,
      tx,
      outcomes.filter((outcome) => outcome.kind !== 'retry' && outcome.kind !== 'failed'),
    ),
    settleDependents(
      ctx,
      tx,
      outcomes.flatMap((outcome) =>
        outcome.kind === 'completed' ? [{ taskId: outcome.claim.taskId, status: 'completed' as const }] : [],
      ),
    ),
  ]);
  const owned = new Map(rows.map((row) => [row.id, row]));

  // Tasks waiting for the failed ones fail too (DEPENDENCY_FAILED), in this transaction. The statements
  // below are independent of each other: issued together, postgres.js pipelines them.
  const failing = settleDependents(
    ctx,
    tx,
    outcomes.flatMap((outcome) =>
      outcome.kind === 'failed' && owned.has(outcome.claim.taskId)
        ? [{ taskId: outcome.claim.taskId, status: 'failed' as const }]
        : [],
    ),
  );
  const artifacts = outcomes.flatMap((outcome) =>
    outcome.kind === 'completed' && owned.has(outcome.claim.taskId)
      ? outcome.artifacts.map((artifact) => {
          const content = Buffer.from(artifact.content, artifact.encoding === 'base64' ? 'base64' : 'utf8');
          return {
            taskId: outcome.claim.taskId,
            name: artifact.name,
            contentType: artifact.content_type,
            size: content.length,
            content,
          };
        })
      : [],
  );
  const storing =
    artifacts.length > 0 ? tx.insert(taskArtifacts).values(artifacts).onConflictDoNothing() : undefined;
  await Promise.all([failing, storing, settleFailedAndReleasedJobs(ctx, tx, outcomes, owned, releasedJobs)]);
}
