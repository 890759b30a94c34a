import { sql } from 'drizzle-orm';
import { recordsJson, type Transaction } from '../db.ts';
import type { JobQueue } from './boss.ts';
import type { NewTaskEvent } from './events.ts';
import type { JobAttempt } from './jobs.ts';

/** A task whose failed attempt pg-boss retries. */
export interface RetriedTask {
  taskId: string;
  attempt: number;
  job: JobAttempt;
}

/**
 * Fails the jobs of retried tasks through pg-boss (fenced by their retry count), then stores when each runs
 * again as its task's `run_at`: a view then says when a retry starts instead of "as soon as a worker is
 * free". Returns, per task, the `log` event that tells its watchers (to go before its `queued` event).
 */
export async function failForRetry(
  queue: JobQueue,
  tx: Transaction,
  retried: readonly RetriedTask[],
): Promise<Map<string, NewTaskEvent>> {
  if (retried.length === 0) return new Map();
  await queue.fail(
    tx,
    retried.map((task) => task.job),
  );
  const retries = await queue.retries(
    tx,
    retried.map((task) => task.job),
  );
  const events = new Map<string, NewTaskEvent>();
  const runAt: { id: string; run_at: string }[] = [];
  for (const task of retried) {
    const retry = retries.get(task.job.jobId);
    if (!retry) continue;
    const at = retry.startAfter.toISOString();
    // pg-boss counts a retry when it fetches it: this one is not counted yet.
    const left = Math.max(0, retry.retryLimit - retry.retryCount - 1);
    runAt.push({ id: task.taskId, run_at: at });
    events.set(task.taskId, {
      taskId: task.taskId,
      type: 'log',
      payload: {
        level: 'info',
        message: `attempt ${task.attempt} failed: runs again at ${at} (retries left after it: ${left})`,
        data: { retry_at: at, retries_left: left },
      },
    });
  }
  if (runAt.length > 0) {
    await tx.execute(sql`
      update tasks t set run_at = x.run_at
      from jsonb_to_recordset(${recordsJson(runAt)}::jsonb) as x(id uuid, run_at timestamptz)
      where t.id = x.id`);
  }
  return events;
}
