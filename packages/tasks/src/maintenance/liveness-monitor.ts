import type { TaskContext } from '../context.ts';
import { isConnectionLost } from '../database-errors.ts';
import type { DatabaseHealth } from '../database-health.ts';
import { databaseNow } from '../store/clock.ts';
import { type PeriodicPass, startPeriodicPass } from './periodic-pass.ts';
import { reapDeadWorkers } from './reconcile.ts';

/** `runOnce` resolves with the tasks taken back (0 when another process did the pass). */
export type LivenessMonitor = PeriodicPass<number>;

/**
 * Every process runs this: each `intervalMs` (default 1 s) it tries the cluster's liveness pass, which takes
 * back the tasks of dead workers. Workers are judged only by silence since this monitor last saw the
 * database well: from its start, after a pass failed on a lost connection, and after this process was
 * paused (a suspended machine, a stopped VM), since it could not tell a dead worker from one that was cut
 * off or paused as it was. The first good pass then reads the database's clock. `health` hears how each
 * timed pass ended: that is how the process knows whether it reaches its database.
 */
export function startLivenessMonitor(
  ctx: TaskContext,
  options: { intervalMs?: number; health?: DatabaseHealth } = {},
): LivenessMonitor {
  const intervalMs = options.intervalMs ?? 1000;
  let healthySince: Date | null = null;
  let cutOff = true;
  // Wall-clock time (it keeps running while the machine sleeps, unlike the monotonic clock).
  let lastPassAt = Date.now();
  const pass = async (): Promise<number> => {
    try {
      if (Date.now() - lastPassAt > intervalMs + ctx.tuning.workerLeaseSeconds * 500) cutOff = true;
      lastPassAt = Date.now();
      if (cutOff) {
        healthySince = await databaseNow(ctx.db);
        cutOff = false;
      }
      return await reapDeadWorkers(ctx, healthySince);
    } catch (error) {
      if (isConnectionLost(error)) cutOff = true;
      throw error;
    }
  };
  let warned = false;
  return startPeriodicPass(pass, intervalMs, (failure) => {
    options.health?.passSettled(failure);
    // One warning per outage, not one a second.
    if (failure && !warned) ctx.logger.warn({ err: failure.error }, 'worker liveness pass failed');
    warned = failure !== null;
  });
}
