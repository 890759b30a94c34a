import { sql } from 'drizzle-orm';
import { rowsOf, type Transaction } from '../db.ts';
import { appendEvents, statusEvent } from './events.ts';
import type { TaskJob } from './jobs.ts';
import { TASK_JOB_COLUMNS, type TaskJobRow, taskJobOf } from './task-jobs.ts';

/** A scheduled task made runnable now: the job to create, and the delayed one it replaces. */
export interface Promotion {
  job: TaskJob;
  replacedJobId: string | null;
}

/**
 * Queues a `scheduled` task (locked by the caller) now instead of at its `run_at`: a new job id without a
 * start time, `run_at` now, a status event. The delayed job is left to the caller to cancel after commit;
 * should it come due first, its claim finds the task's job id changed and completes it unrun (claim.ts).
 * Null when the task is not scheduled.
 */
export async function promoteScheduledTask(tx: Transaction, taskId: string): Promise<Promotion | null> {
  const [row] = rowsOf<TaskJobRow & { attempt: number; replaced_job_id: string | null }>(
    await tx.execute(sql`
      update tasks t set status = 'queued', job_id = gen_random_uuid(), run_at = now(),
        updated_at = clock_timestamp()
      from (select id, job_id from tasks where id = ${taskId} and status = 'scheduled') as was
      where t.id = was.id
      returning ${TASK_JOB_COLUMNS}, t.attempt, was.job_id as replaced_job_id`),
  );
  if (!row) return null;
  await appendEvents(tx, [statusEvent(row.id, 'queued', row.attempt)]);
  return { job: taskJobOf(row), replacedJobId: row.replaced_job_id };
}
