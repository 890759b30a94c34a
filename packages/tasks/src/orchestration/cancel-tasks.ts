import type { TaskError } from '@kaygraph/contracts';
import { type SQL, sql } from 'drizzle-orm';
import { rowsOf, type Transaction } from '../db.ts';
import { appendEvents } from '../events/append-events.ts';
import { statusEvent } from '../events/task-event.ts';
import { bossTx } from '../queue/boss-tx.ts';
import { workflowQueue } from '../queue/names.ts';
import { TASK_CANCEL_CHANNEL } from '../service/control.ts';
import { type SettleContext, settleDependents } from './dependencies.ts';

/**
 * Cancels every unfinished task matching `where` in one transaction, as `tasks.cancel` does one task:
 * waiting jobs are cancelled in pg-boss, running tasks are told through `task_cancel` (their workers abort
 * and their later writes are fenced off by the status), and dependents outside the set fail with
 * DEPENDENCY_FAILED. Returns the ids cancelled.
 */
export async function cancelTasksWhere(
  ctx: SettleContext,
  tx: Transaction,
  where: SQL,
  reason: string,
): Promise<string[]> {
  const rows = rowsOf<{ id: string; workflow: string; job_id: string | null; attempt: number; was: string }>(
    await tx.execute(sql`
      with target as (
        select id, status from tasks
        where ${where} and status in ('pending', 'blocked', 'scheduled', 'queued', 'running')
        order by id for no key update
      )
      update tasks t set status = 'cancelled',
        error = jsonb_build_object('code', 'CANCELLED', 'message', ${reason}::text, 'attempt', t.attempt),
        completed_at = now(), updated_at = now(),
        expires_at = now() + make_interval(secs => ${ctx.resultTtlSeconds})
      from target where t.id = target.id
      returning t.id, t.workflow, t.job_id, t.attempt, target.status as was`),
  );
  if (rows.length === 0) return [];
  const error = (attempt: number): TaskError => ({ code: 'CANCELLED', message: reason, attempt });
  await appendEvents(
    tx,
    rows.map((row) => statusEvent(row.id, 'cancelled', row.attempt, error(row.attempt))),
  );
  const db = bossTx(tx);
  const jobsByQueue = new Map<string, string[]>();
  for (const row of rows) {
    // Blocked tasks have no job yet.
    if (!row.job_id || row.was === 'blocked') continue;
    const queue = workflowQueue(row.workflow);
    jobsByQueue.set(queue, [...(jobsByQueue.get(queue) ?? []), row.job_id]);
  }
  for (const [queue, ids] of jobsByQueue) await ctx.boss.cancel(queue, ids, { db });
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
  return rows.map((row) => row.id);
}
