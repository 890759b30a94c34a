import type { TaskContext } from '../context.ts';
import { settleDependents } from '../store/dependencies.ts';
import { type JobAttempt, retriesLeft } from '../store/jobs.ts';
import {
  lockTasksOfWorkers,
  markLost,
  markRequeued,
  type OrphanedTask,
  tryLivenessLock,
} from '../store/maintenance.ts';
import { failForRetry } from '../store/retries.ts';
import { lockDeadWorkers, markReaped } from '../store/workers.ts';

/**
 * Takes back the running tasks of workers that stopped or went silent for the lease (see
 * `lockDeadWorkers` for how an outage is kept from looking like a death), in one transaction: task rows in
 * id order, then their pg-boss jobs are failed through pg-boss (fenced by the attempt's retry count: it
 * retries or dead-letters them by its own policy), and each task is shown `queued` again (retries left,
 * with when it runs) or
 * fails with WORKER_LOST (none left). The `queued` event wakes the dispatchers. Returns the tasks taken back.
 */
export async function reapDeadWorkers(ctx: TaskContext, healthySince: Date | null): Promise<number> {
  return ctx.db.transaction(async (tx) => {
    // One process per cluster does each pass; the others skip it.
    if (!(await tryLivenessLock(tx))) return 0;
    const dead = await lockDeadWorkers(tx, ctx.tuning.workerLeaseSeconds, healthySince, [
      ...ctx.localWorkers,
    ]);
    if (dead.length === 0) return 0;
    const orphans = await lockTasksOfWorkers(tx, dead);
    const requeued = orphans.filter(jobRetries);
    const lost = orphans.filter((task) => !jobRetries(task));
    await ctx.queue.fail(tx, lost.map(jobOf));
    const retryEvents = await failForRetry(
      ctx.queue,
      tx,
      requeued.map((task) => ({ taskId: task.id, attempt: task.attempt, job: jobOf(task) })),
    );
    await markRequeued(tx, requeued, retryEvents);
    await markLost(tx, lost, ctx.resultTtlSeconds);
    await settleDependents(
      ctx,
      tx,
      lost.map((task) => ({ taskId: task.id, status: 'failed' as const })),
    );
    await markReaped(tx, dead);
    if (orphans.length > 0) {
      ctx.logger.warn(
        { workers: dead, tasks: orphans.map((task) => task.id) },
        'took back tasks of dead workers',
      );
    }
    return orphans.length;
  });
}

/** The orphan's job attempt: pg-boss fails it fenced by the retry count its claim recorded. */
function jobOf(task: OrphanedTask): JobAttempt {
  return {
    workflow: task.workflow,
    version: task.version,
    jobId: task.jobId,
    retryCount: task.jobRetryCount,
  };
}

/** Whether pg-boss retries the orphan's job, from the retry count and limit its claim recorded. */
function jobRetries(task: OrphanedTask): boolean {
  return retriesLeft({ retryCount: task.jobRetryCount, retryLimit: task.jobRetryLimit });
}
