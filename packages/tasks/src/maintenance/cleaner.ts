import { sql } from 'drizzle-orm';
import { rowsOf } from '../db.ts';
import type { TaskContext } from '../service/context.ts';
import { reconcileLostTasks } from './reconcile.ts';

/** Advisory lock of the cleaner pass (outside @kaygraph/db's 7_400_000-7_400_099). */
export const CLEANER_LOCK_KEY = 7_400_201;
/** Tasks cleaned per statement, so one pass never holds locks on a huge set. */
const BATCH = 1000;

export interface CleanupReport {
  /** False when another process held the cleaner lock (it is doing the pass). */
  ran: boolean;
  tasksCleaned: number;
  eventsDeleted: number;
  artifactsDeleted: number;
  tasksReconciled: number;
}

/**
 * Result TTL: finished tasks past `expires_at` lose their result, checkpoint, events and artifacts; the
 * task row stays (status, error, timings) for listings and statistics, and `result()` answers NOT_FOUND
 * ("expired"). One process per cluster does a pass: the pass runs under a transaction advisory lock taken
 * with try-lock, so the others skip it. The same pass reconciles tasks whose job pg-boss gave up on.
 */
export async function cleanExpired(ctx: TaskContext): Promise<CleanupReport> {
  const report = await ctx.db.transaction(async (tx) => {
    const [lock] = rowsOf<{ locked: boolean }>(
      await tx.execute(sql`select pg_try_advisory_xact_lock(${CLEANER_LOCK_KEY}) as locked`),
    );
    if (!lock?.locked)
      return { ran: false, tasksCleaned: 0, eventsDeleted: 0, artifactsDeleted: 0, tasksReconciled: 0 };
    const [counts] = rowsOf<{ tasks: number; events: number; artifacts: number }>(
      await tx.execute(sql`
        with expired as (
          select t.id from tasks t
          where t.expires_at <= now()
            and (t.result is not null or t.checkpoint is not null
              or exists (select 1 from task_events e where e.task_id = t.id)
              or exists (select 1 from task_artifacts a where a.task_id = t.id))
          order by t.expires_at
          limit ${BATCH}
          for update skip locked
        ), events as (
          delete from task_events e using expired where e.task_id = expired.id returning 1
        ), artifacts as (
          delete from task_artifacts a using expired where a.task_id = expired.id returning 1
        ), cleared as (
          update tasks t set result = null, checkpoint = null from expired where t.id = expired.id returning 1
        )
        select (select count(*) from cleared)::int as tasks, (select count(*) from events)::int as events,
          (select count(*) from artifacts)::int as artifacts`),
    );
    return {
      ran: true,
      tasksCleaned: counts?.tasks ?? 0,
      eventsDeleted: counts?.events ?? 0,
      artifactsDeleted: counts?.artifacts ?? 0,
      tasksReconciled: 0,
    };
  });
  if (report.ran) report.tasksReconciled = await reconcileLostTasks(ctx);
  return report;
}

export interface Cleaner {
  runOnce(): Promise<CleanupReport>;
  stop(): Promise<void>;
}

export function startCleaner(ctx: TaskContext, options: { intervalSeconds: number }): Cleaner {
  let current: Promise<CleanupReport> | undefined;
  const runOnce = (): Promise<CleanupReport> => {
    current ??= cleanExpired(ctx).finally(() => {
      current = undefined;
    });
    return current;
  };
  const timer = setInterval(() => {
    runOnce().catch((error: unknown) => ctx.logger.warn({ err: error }, 'result cleanup pass failed'));
  }, options.intervalSeconds * 1000);
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await current?.catch(() => undefined);
    },
  };
}
