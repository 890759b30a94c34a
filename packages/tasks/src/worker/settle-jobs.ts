import type { Transaction } from '../db.ts';
import { bossTx } from '../queue/boss-tx.ts';
import { jobInsertFor } from '../queue/job-options.ts';
import type { AttemptOutcome, FinishContext, OwnedRow } from './finish-attempts.ts';

type JobAttempt = { id: string; retryCount: number };

/** Completes the pg-boss jobs of `outcomes`, one statement per queue, in the caller's transaction. */
export async function completeJobs(
  ctx: FinishContext,
  tx: Transaction,
  outcomes: readonly AttemptOutcome[],
): Promise<void> {
  const byQueue = new Map<string, JobAttempt[]>();
  for (const { claim } of outcomes) {
    const list = byQueue.get(claim.job.queue) ?? [];
    list.push({ id: claim.job.jobId, retryCount: claim.job.retryCount });
    byQueue.set(claim.job.queue, list);
  }
  const db = bossTx(tx);
  for (const [queue, attempts] of byQueue) await ctx.boss.complete(queue, attempts, null, { db });
}

/**
 * The jobs whose settling depends on the task update (`owned`: the tasks it wrote): a failed attempt's job
 * is failed (pg-boss retries it, or dead-letters it after the last retry) or cancelled (not retriable), or
 * just completed when the attempt no longer owned its task; a released attempt's task gets its new job.
 */
export async function settleFailedAndReleasedJobs(
  ctx: FinishContext,
  tx: Transaction,
  outcomes: readonly AttemptOutcome[],
  owned: ReadonlyMap<string, OwnedRow>,
  releasedJobs: ReadonlyMap<string, string>,
): Promise<void> {
  const db = bossTx(tx);
  const lost: AttemptOutcome[] = [];
  for (const outcome of outcomes) {
    const job = outcome.claim.job;
    const attempt = { id: job.jobId, retryCount: job.retryCount };
    const row = owned.get(outcome.claim.taskId);
    if (outcome.kind === 'retry' || outcome.kind === 'failed') {
      if (!row) lost.push(outcome);
      else if (outcome.kind === 'failed' && !outcome.retriable)
        await ctx.boss.cancel(job.queue, attempt, { db });
      else await ctx.boss.fail(job.queue, attempt, { error: outcome.error }, { db });
    } else if (outcome.kind === 'released' && row) {
      const newJobId = releasedJobs.get(outcome.claim.taskId);
      if (!newJobId) continue;
      const insert = jobInsertFor(
        {
          jobId: newJobId,
          taskId: outcome.claim.taskId,
          priority: row.priority,
          retryLimit: Math.max(0, job.retryLimit - job.retryCount),
          retryDelaySeconds: row.retry_delay_seconds,
          retryBackoff: row.retry_backoff,
          timeoutSeconds: row.timeout_seconds,
          startAfter: null,
        },
        ctx.tuning,
      );
      await ctx.boss.insert(job.queue, [insert], { db });
    }
  }
  await completeJobs(ctx, tx, lost);
}
