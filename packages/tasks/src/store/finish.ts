import { randomUUID } from 'node:crypto';
import type { Priority, TaskError } from '@kaygraph/contracts';
import { taskArtifacts } from '@kaygraph/db';
import type { RunMetrics } from '@kaygraph/graph';
import { sql } from 'drizzle-orm';
import type { ProducedArtifact } from '../attempt-data.ts';
import { recordsJson, rowsOf, sentTogether, type Transaction } from '../db.ts';
import { metricsColumns } from '../task-metrics.ts';
import { checkArtifactSize } from './artifacts.ts';
import type { Attempt } from './claim.ts';
import { lockTasks } from './control.ts';
import { type SettleContext, type SettledTask, settleDependents } from './dependencies.ts';
import { appendEvents, type NewTaskEvent, statusEvent } from './events.ts';
import { ATTEMPT_FENCE, lockedTasks } from './fences.ts';
import type { JobAttempt, TaskJob } from './jobs.ts';
import { failForRetry } from './retries.ts';
import { type SuspendedAttempt, suspendTasks, waitColumnsFor } from './waits.ts';

/**
 * How an attempt ended:
 * - `completed`: result stored, job completed;
 * - `retry`: failed with retries left: status back to `queued` with the error, pg-boss schedules the retry;
 * - `failed`: the last attempt failed (pg-boss dead-letters the job) or the error is not retriable (the
 *   job is cancelled);
 * - `released`: stopped by a shutdown: queued again as a new job holding the retries it had left, resuming
 *   from the checkpoint, its attempt not counted as a failure (a log event says why it is queued);
 * - `abandoned`: the task was cancelled while running (the cancel wrote its status): only the job is settled;
 * - `suspended`: the graph waits (store/waits.ts): the task is `waiting` and its job completed.
 */
export type AttemptOutcome =
  | {
      kind: 'completed';
      attempt: Attempt;
      result: unknown;
      artifacts: readonly ProducedArtifact[];
      metrics: RunMetrics;
      /** The step and message of a last progress report that was not written (the row still shows an older one). */
      endedOn?: { step: string | null; message: string | null };
    }
  | { kind: 'retry'; attempt: Attempt; error: TaskError; metrics: RunMetrics }
  | { kind: 'failed'; attempt: Attempt; error: TaskError; metrics: RunMetrics; retriable: boolean }
  | { kind: 'released'; attempt: Attempt; metrics: RunMetrics }
  | { kind: 'abandoned'; attempt: Attempt }
  | SuspendedAttempt;

const STATUS_OF = { completed: 'completed', retry: 'queued', failed: 'failed', released: 'queued' } as const;

/** What a watcher of a released task reads (a `log` event before its `queued` status event). */
export const RELEASED_MESSAGE = 'the worker stopped before the task finished: the task is queued again';

interface OwnedRow {
  id: string;
  workflow: string;
  workflow_version: string | null;
  status: 'completed' | 'queued' | 'failed';
  attempt: number;
  error: TaskError | null;
  job_id: string;
  priority: Priority;
  retry_delay_seconds: number;
  retry_backoff: boolean;
  timeout_seconds: number;
  parent_task_id: string | null;
  step: string | null;
  message: string | null;
}

/**
 * The task rows settling `outcome` locks: its task, and the parent of a child task it may finish (which
 * the child reports to). A writer that batches outcomes locks these of all of them first, in id order.
 */
export function taskRowsToLock(outcome: AttemptOutcome): string[] {
  const { taskId, parentTaskId } = outcome.attempt;
  const finishes = outcome.kind === 'completed' || outcome.kind === 'failed';
  return finishes && parentTaskId !== null ? [taskId, parentTaskId] : [taskId];
}

/**
 * Settles attempts in the caller's transaction, in this order: the task rows (fenced: only an attempt
 * that still owns its running task writes), their status events, artifacts, dependents, and the pg-boss
 * jobs, so a result and its job's completion commit together. Task rows are locked in id order before any
 * job row (the lock order). Returns the ids of the tasks whose attempt still owned them.
 */
export async function finishAttempts(
  ctx: SettleContext,
  tx: Transaction,
  outcomes: readonly AttemptOutcome[],
): Promise<Set<string>> {
  if (outcomes.length === 0) return new Set();
  const writing = outcomes.filter(
    (outcome): outcome is Exclude<AttemptOutcome, { kind: 'abandoned' | 'suspended' }> =>
      outcome.kind !== 'abandoned' && outcome.kind !== 'suspended',
  );
  const suspended = outcomes.filter((outcome): outcome is SuspendedAttempt => outcome.kind === 'suspended');
  // Two statements lock task rows here, and finished children report to their parents: the tasks and
  // those parents are locked first, together, in id order (the lock order, store/fences.ts).
  const rows = outcomes.flatMap(taskRowsToLock);
  if (rows.length > outcomes.length || (writing.length > 0 && suspended.length > 0)) {
    await lockTasks(tx, rows);
  }
  const owned = await updateTasks(ctx, tx, writing);
  const released = new Set<string>();
  for (const outcome of writing) if (outcome.kind === 'released') released.add(outcome.attempt.taskId);
  const waiting = await suspendTasks(ctx, tx, suspended);
  const ownedOutcome = (kind: AttemptOutcome['kind']) =>
    outcomes.filter((outcome) => outcome.kind === kind && owned.has(outcome.attempt.taskId));
  // Before the events: a retry's `log` event says when pg-boss runs it, which its fail decides.
  const retryEvents = await failForRetry(
    ctx.queue,
    tx,
    ownedOutcome('retry').map(({ attempt }) => ({
      taskId: attempt.taskId,
      attempt: attempt.attempt,
      job: attempt.job,
    })),
  );
  // Once the task rows are written and locked, the rest needs none of each other's results, so the
  // statements go out together (one round trip, not four). Dependents are read by statements of their own,
  // after the update: a submit that added a dependent while the update waited for its row lock is seen then
  // (see releaseDependents). The job rows settled here are this worker's active jobs, which no transaction
  // that locks task rows waits for, so their place among these statements cannot close a lock cycle.
  // Loops, not flatMaps: an array per task adds up at a few thousand tasks a second.
  const events: NewTaskEvent[] = [];
  const settled: SettledTask[] = [];
  for (const row of owned.values()) {
    if (released.has(row.id)) events.push(releasedEvent(row.id));
    const retry = retryEvents.get(row.id);
    if (retry) events.push(retry);
    events.push(statusEvent(row.id, row.status, row.attempt, row.error, row));
    if (row.status !== 'queued') {
      settled.push({ taskId: row.id, status: row.status, child: row.parent_task_id !== null });
    }
  }
  await sentTogether([
    appendEvents(tx, events),
    storeArtifacts(tx, ownedOutcome('completed')),
    settleDependents(ctx, tx, settled),
    settleJobs(ctx, tx, outcomes, owned),
  ]);
  const ownedIds = new Set(owned.keys());
  for (const taskId of waiting) ownedIds.add(taskId);
  return ownedIds;
}

function releasedEvent(taskId: string): NewTaskEvent {
  return { taskId, type: 'log', payload: { level: 'info', message: RELEASED_MESSAGE } };
}

async function updateTasks(
  ctx: SettleContext,
  tx: Transaction,
  writing: readonly Exclude<AttemptOutcome, { kind: 'abandoned' | 'suspended' }>[],
): Promise<Map<string, OwnedRow>> {
  if (writing.length === 0) return new Map();
  const input = recordsJson(
    writing.map((outcome) => ({
      id: outcome.attempt.taskId,
      attempt: outcome.attempt.attempt,
      was: 'running',
      status: STATUS_OF[outcome.kind],
      result: outcome.kind === 'completed' ? (outcome.result ?? null) : null,
      error: outcome.kind === 'retry' || outcome.kind === 'failed' ? outcome.error : null,
      ...metricsColumns(outcome.metrics),
      job_id: outcome.kind === 'released' ? randomUUID() : null,
      // Every failed task is listed as a dead letter (pg-boss dead-letters the job when retries ran out).
      dead_letter: outcome.kind === 'failed',
      ended_on: outcome.kind === 'completed' ? (outcome.endedOn ?? null) : null,
    })),
  );
  const ids = writing.map((outcome) => outcome.attempt.taskId);
  const rows = rowsOf<OwnedRow>(
    await tx.execute(sql`
      with x as (
        select * from jsonb_to_recordset(${input}::jsonb) as x(id uuid, attempt int, was text, status text,
          result jsonb, error jsonb, metrics jsonb, metrics_omitted int, metrics_by_node jsonb, job_id uuid,
          dead_letter boolean, ended_on jsonb)
      ), ${lockedTasks(ids)}
      update tasks t set
        status = x.status,
        result = case when x.status = 'completed' then x.result else t.result end,
        error = x.error,
        metrics = x.metrics,
        metrics_omitted = x.metrics_omitted,
        metrics_by_node = x.metrics_by_node,
        progress = case when x.status = 'completed' then 100 else t.progress end,
        eta_seconds = case when x.status = 'completed' then 0 else t.eta_seconds end,
        step = case when x.ended_on is null then t.step else x.ended_on->>'step' end,
        message = case when x.ended_on is null then t.message else x.ended_on->>'message' end,
        checkpoint = case when x.status = 'completed' then null else t.checkpoint end,
        ${waitColumnsFor(sql`x.status`)},
        job_id = coalesce(x.job_id, t.job_id),
        completed_at = case when x.status in ('completed', 'failed') then now() end,
        expires_at = case when x.status in ('completed', 'failed')
          then now() + make_interval(secs => ${ctx.resultTtlSeconds}) end,
        dead_lettered_at = case when x.dead_letter then now() end,
        updated_at = clock_timestamp()
      from x
      where ${ATTEMPT_FENCE}
      returning t.id, t.workflow, t.workflow_version, t.status, t.attempt, t.error, t.job_id, t.priority,
        t.retry_delay_seconds, t.retry_backoff, t.timeout_seconds, t.parent_task_id, t.step, t.message`),
  );
  return new Map(rows.map((row) => [row.id, row]));
}

/**
 * The artifacts completed runs returned with their results, in their outcome's transaction. An artifact
 * the run already put under the same name (store/artifacts.ts) is kept.
 */
async function storeArtifacts(tx: Transaction, completed: readonly AttemptOutcome[]): Promise<void> {
  const artifacts = completed.flatMap((outcome) =>
    outcome.kind === 'completed'
      ? outcome.artifacts.map((artifact) => {
          const content = Buffer.from(artifact.content, artifact.encoding === 'base64' ? 'base64' : 'utf8');
          checkArtifactSize(artifact.name, content.length);
          return {
            taskId: outcome.attempt.taskId,
            name: artifact.name,
            contentType: artifact.content_type,
            size: content.length,
            content,
          };
        })
      : [],
  );
  if (artifacts.length > 0) await tx.insert(taskArtifacts).values(artifacts).onConflictDoNothing();
}

/**
 * The jobs: a last failed attempt that still owned its task is failed in pg-boss (dead-lettered) or
 * cancelled (not retriable; a retried one was failed by failForRetry); a released task gets a new job with the retries it
 * had left; every other job (completed, abandoned, or an attempt that lost its task) is completed.
 */
async function settleJobs(
  ctx: SettleContext,
  tx: Transaction,
  outcomes: readonly AttemptOutcome[],
  owned: ReadonlyMap<string, OwnedRow>,
): Promise<void> {
  const complete: JobAttempt[] = [];
  const fail: JobAttempt[] = [];
  const cancel: JobAttempt[] = [];
  const released: TaskJob[] = [];
  for (const outcome of outcomes) {
    const job = outcome.attempt.job;
    const row = owned.get(outcome.attempt.taskId);
    // Failed already, with its run_at (failForRetry).
    if (outcome.kind === 'retry' && row) continue;
    if (outcome.kind === 'failed' && row) {
      if (outcome.retriable) fail.push(job);
      else cancel.push(job);
      continue;
    }
    complete.push(job);
    if (outcome.kind === 'released' && row) {
      released.push({
        jobId: row.job_id,
        taskId: row.id,
        workflow: row.workflow,
        version: row.workflow_version,
        priority: row.priority,
        retryLimit: Math.max(0, job.retryLimit - job.retryCount),
        retryDelaySeconds: row.retry_delay_seconds,
        retryBackoff: row.retry_backoff,
        timeoutSeconds: row.timeout_seconds,
        startAfter: null,
        concurrencyGroup: job.concurrencyGroup,
      });
    }
  }
  await ctx.queue.complete(tx, complete);
  await ctx.queue.fail(tx, fail);
  await ctx.queue.cancelAttempts(tx, cancel);
  await ctx.queue.insert(tx, released);
}
