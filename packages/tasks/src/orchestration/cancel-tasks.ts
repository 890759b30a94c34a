import type { TaskError } from '@kaygraph/contracts';
import { type SQL, sql } from 'drizzle-orm';
import { rowsOf, type Transaction } from '../db.ts';
import { appendEvents } from '../events/append-events.ts';
import { statusEvent } from '../events/task-event.ts';
import type { WaitingJob } from '../queue/cancel-waiting-jobs.ts';
import { TASK_CANCEL_CHANNEL } from '../service/control.ts';
import { type SettleContext, settleDependents } from './dependencies.ts';

export interface CancelledTasks {
  ids: string[];
  /** Jobs of tasks that were waiting: the caller cancels them after commit (`cancelWaitingJobs`). */
  waitingJobs: WaitingJob[];
}

/**
 * Cancels every unfinished task matching `where` in one transaction, as `tasks.cancel` does one task:
 * running tasks are told through `task_cancel` (their workers abort, settle their jobs, and their later
 * writes are fenced off by the status), and dependents outside the set fail with DEPENDENCY_FAILED. The
 * jobs of waiting tasks are returned for the caller to cancel once this transaction has committed (never
 * a job row while task rows are held: see `runTransaction`).
 */
export async function cancelTasksWhere(
  ctx: SettleContext,
  tx: Transaction,
  where: SQL,
  reason: string,
): Promise<CancelledTasks> {
  const rows = rowsOf<{ id: string; workflow: string; job_id: string | null; attempt: number; was: string }>(
    await tx.execute(sql`
      with target as (
        select id, status from tasks
        where ${where} and status in ('pending', 'blocked', 'scheduled', 'queued', 'running')
        order by id for no key update
      )
      update tasks t set status = 'cancelled',
        error = jsonb_build_object('code', 'CANCELLED', 'message', ${reason}::text, 'attempt', t.attempt),
        completed_at = now(), updated_at = clock_timestamp(),
        expires_at = now() + make_interval(secs => ${ctx.resultTtlSeconds})
      from target where t.id = target.id
      returning t.id, t.workflow, t.job_id, t.attempt, target.status as was`),
  );
  if (rows.length === 0) return { ids: [], waitingJobs: [] };
  const error = (attempt: number): TaskError => ({ code: 'CANCELLED', message: reason, attempt });
  await appendEvents(
    tx,
    rows.map((row) => statusEvent(row.id, 'cancelled', row.attempt, error(row.attempt))),
  );
  // Blocked tasks have no job yet; running tasks' jobs are settled by their workers.
  const waitingJobs = rows.flatMap((row): WaitingJob[] =>
    row.job_id && row.was !== 'blocked' && row.was !== 'running'
      ? [{ workflow: row.workflow, jobId: row.job_id }]
      : [],
  );
  const running = rows.filter((row) => row.was === 'running').map((row) => row.id);
  if (running.length > 0) {
    await tx.execute(sql`
      select pg_notify(${TASK_CANCEL_CHANNEL}, id::text)
      from unnest(${`{${running.join(',')}}`}::uuid[]) as id`);
  }
  await settleDependents(
    ctx,
    tx,
    rows.map((row) => ({ taskId: row.id, status: 'cancelled' as const })),
  );
  return { ids: rows.map((row) => row.id), waitingJobs };
}
