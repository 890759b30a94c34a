import type { TaskContext } from '../context.ts';
import { clearExpiredResults, tryMaintenanceLock } from '../store/maintenance.ts';
import { deleteReapedWorkers } from '../store/workers.ts';
import { type PeriodicPass, startPeriodicPass } from './periodic-pass.ts';

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

export type Cleaner = PeriodicPass<CleanupReport>;

export function startCleaner(ctx: TaskContext, options: { intervalSeconds: number }): Cleaner {
  return startPeriodicPass(
    () => cleanExpired(ctx),
    options.intervalSeconds * 1000,
    (failure) => {
      if (failure) ctx.logger.warn({ err: failure.error }, 'result cleanup pass failed');
    },
  );
}
