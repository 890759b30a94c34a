import type { TaskError } from '@kaygraph/contracts';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db.ts';
import { appendEvents } from '../events/append-events.ts';
import { statusEvent } from '../events/task-event.ts';
import type { TaskContext } from '../service/context.ts';

const BATCH = 500;

/**
 * Tasks whose worker died: pg-boss' supervisor fails a job whose heartbeat (or expiry) lapsed, but only
 * our runtime writes task rows, so a `running` task whose job went back to `retry` shows `queued` again,
 * and one whose job failed for good (dead-lettered) is marked failed with WORKER_LOST. Runs inside the
 * cleaner's pass (once per cluster). Returns the tasks changed.
 */
export async function reconcileLostTasks(ctx: TaskContext): Promise<number> {
  return ctx.db.transaction(async (tx) => {
    const lost = rowsOf<{ id: string; attempt: number; state: string }>(
      await tx.execute(sql`
        select t.id, t.attempt, j.state::text as state
        from tasks t
        join pgboss.job j on j.name = 'wf.' || t.workflow and j.id = t.job_id
        where t.completed_at is null and t.status = 'running' and j.state in ('created', 'retry', 'failed')
        limit ${BATCH}
        for update of t skip locked`),
    );
    if (lost.length === 0) return 0;
    const requeued = lost.filter((row) => row.state !== 'failed');
    const failed = lost.filter((row) => row.state === 'failed');
    const error = (attempt: number): TaskError => ({
      code: 'WORKER_LOST',
      message: 'the worker running this task stopped (no heartbeat); its job was failed by the queue',
      attempt,
    });
    if (requeued.length > 0) {
      await tx.execute(sql`
        update tasks set status = 'queued', updated_at = now()
        where id in (select (x->>'id')::uuid from jsonb_array_elements(${JSON.stringify(requeued)}::jsonb) x)`);
    }
    for (const row of failed) {
      await tx.execute(sql`
        update tasks set status = 'failed', error = ${JSON.stringify(error(row.attempt))}::jsonb,
          completed_at = now(), updated_at = now(),
          expires_at = now() + make_interval(secs => ${ctx.resultTtlSeconds})
        where id = ${row.id}`);
    }
    await appendEvents(tx, [
      ...requeued.map((row) => statusEvent(row.id, 'queued', row.attempt, error(row.attempt))),
      ...failed.map((row) => statusEvent(row.id, 'failed', row.attempt, error(row.attempt))),
    ]);
    return lost.length;
  });
}
