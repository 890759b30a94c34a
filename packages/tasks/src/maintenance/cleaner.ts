import type { TaskContext } from '../context.ts';
import type { Transaction } from '../db.ts';
import { clearExpiredResults, tryMaintenanceLock } from '../store/maintenance.ts';
import { foldOwnerCounts } from '../store/owner-queue.ts';
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
/** Expired tasks cleared per transaction: each batch's row locks end with it. */
const CLEAR_BATCH = 1000;
/**
 * Batches per pass: a pass clears up to this many times CLEAR_BATCH tasks (100,000 a minute by default,
 * far more than finish), so a backlog drains over a few passes. A stop ends a pass after its batch.
 */
const MAX_BATCHES_PER_PASS = 100;
/** Owners whose queue counts one transaction folds at most (one advisory lock each, store/owner-queue.ts). */
const FOLD_OWNERS_PER_TRANSACTION = 100;
/** Fold transactions per pass: up to 1000 owners a pass, the rest at the next. */
const MAX_FOLDS_PER_PASS = 10;

/**
 * Result TTL: finished tasks past `expires_at` lose their result, checkpoint, events and artifacts; the
 * task row stays (status, error, timings) for listings and statistics, and `result()` answers NOT_FOUND
 * ("expired"). One process per cluster does a pass: each of its transactions takes the maintenance lock
 * with try-lock, so the others skip it. The same pass forgets workers reaped a day ago and folds the
 * owners' queue counts that finishes spread over many rows.
 */
export async function cleanExpired(ctx: TaskContext, signal?: AbortSignal): Promise<CleanupReport> {
  const report: CleanupReport = { ran: false, tasksCleaned: 0, eventsDeleted: 0, artifactsDeleted: 0 };
  const locked = <T>(work: (tx: Transaction) => Promise<T>) =>
    ctx.db.transaction(async (tx) => ((await tryMaintenanceLock(tx)) ? { done: await work(tx) } : null));
  for (let batch = 0; batch < MAX_BATCHES_PER_PASS && !signal?.aborted; batch++) {
    const cleared = await locked((tx) => clearExpiredResults(tx, CLEAR_BATCH));
    if (!cleared) return report;
    report.ran = true;
    report.tasksCleaned += cleared.done.tasks;
    report.eventsDeleted += cleared.done.events;
    report.artifactsDeleted += cleared.done.artifacts;
    if (cleared.done.tasks < CLEAR_BATCH) break;
  }
  const forgot = await locked((tx) => deleteReapedWorkers(tx, REAPED_WORKER_RETENTION_SECONDS));
  let folded = false;
  for (let fold = 0; fold < MAX_FOLDS_PER_PASS && !signal?.aborted; fold++) {
    const owners = await locked((tx) => foldOwnerCounts(tx, FOLD_OWNERS_PER_TRANSACTION));
    if (!owners) break;
    folded = true;
    if (owners.done < FOLD_OWNERS_PER_TRANSACTION) break;
  }
  return { ...report, ran: report.ran || forgot !== null || folded };
}

export type Cleaner = PeriodicPass<CleanupReport>;

export function startCleaner(ctx: TaskContext, options: { intervalSeconds: number }): Cleaner {
  return startPeriodicPass(
    (signal) => cleanExpired(ctx, signal),
    options.intervalSeconds * 1000,
    (failure) => {
      if (failure) ctx.logger.warn({ err: failure.error }, 'result cleanup pass failed');
    },
  );
}
