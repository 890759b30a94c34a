import type { TaskContext } from '../context.ts';
import { clearExpiredResults, tryMaintenanceLock } from '../store/maintenance.ts';
import { deleteReapedWorkers } from '../store/workers.ts';

export interface CleanupReport {
  /** False when another process held the cleaner lock (it is doing the pass). */
  ran: boolean;
  tasksCleaned: number;
  eventsDeleted: number;
  artifactsDeleted: number;
}

/** Rows of reaped workers are kept this long (what ran where, for operators), then deleted. */
const REAPED_WORKER_RETENTION_SECONDS = 86_400;

/**
 * Result TTL: finished tasks past `expires_at` lose their result, checkpoint, events and artifacts; the
 * task row stays (status, error, timings) for listings and statistics, and `result()` answers NOT_FOUND
 * ("expired"). One process per cluster does a pass: the pass runs under a transaction advisory lock taken
 * with try-lock, so the others skip it. The same pass forgets workers reaped a day ago.
 */
export async function cleanExpired(ctx: TaskContext): Promise<CleanupReport> {
  return ctx.db.transaction(async (tx): Promise<CleanupReport> => {
    if (!(await tryMaintenanceLock(tx))) {
      return { ran: false, tasksCleaned: 0, eventsDeleted: 0, artifactsDeleted: 0 };
    }
    const counts = await clearExpiredResults(tx);
    await deleteReapedWorkers(tx, REAPED_WORKER_RETENTION_SECONDS);
    return {
      ran: true,
      tasksCleaned: counts.tasks,
      eventsDeleted: counts.events,
      artifactsDeleted: counts.artifacts,
    };
  });
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
