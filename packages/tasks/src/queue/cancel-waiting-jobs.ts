import type { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import { workflowQueue } from './names.ts';

/** A job whose task a cancel just committed as cancelled while it was waiting (queued or scheduled). */
export interface WaitingJob {
  workflow: string;
  jobId: string;
}

/**
 * Cancels the pg-boss jobs of tasks whose cancel has COMMITTED, on pg-boss' own pool. Not inside the
 * cancel's transaction: a worker's fetch + claim locks the job row first and then the task row, so a cancel
 * that held the task row and then waited for the job row deadlocked with it. Running tasks' jobs are not
 * touched at all (their worker aborts on `task_cancel` and settles the job). Should this step fail, nothing
 * is lost: a worker that fetches the job finds its task cancelled, does not claim it and settles the job.
 */
export async function cancelWaitingJobs(
  boss: PgBoss,
  logger: Logger,
  jobs: readonly WaitingJob[],
): Promise<void> {
  const byQueue = new Map<string, string[]>();
  for (const job of jobs) {
    const queue = workflowQueue(job.workflow);
    byQueue.set(queue, [...(byQueue.get(queue) ?? []), job.jobId]);
  }
  for (const [queue, ids] of byQueue) {
    await boss.cancel(queue, ids).catch((error: unknown) => {
      logger.warn({ err: error, queue, jobs: ids }, 'cancelling the jobs of cancelled tasks failed');
    });
  }
}
