import { isConnectionLost } from '../connection-lost.ts';
import type { TaskContext } from '../context.ts';
import { databaseNow } from '../store/workers.ts';
import { reapDeadWorkers } from './reconcile.ts';

export interface LivenessMonitor {
  /** One pass now; resolves with the tasks taken back (0 when another process did the pass). */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Every process runs this: each `intervalMs` (default 1 s) it tries the cluster's liveness pass, which takes
 * back the tasks of dead workers. Workers are judged only by silence since this monitor last saw the
 * database well: from its start, after a pass failed on a lost connection, and after this process was
 * paused (a suspended machine, a stopped VM), since it could not tell a dead worker from one that was cut
 * off or paused as it was. The first good pass then reads the database's clock.
 */
export function startLivenessMonitor(
  ctx: TaskContext,
  options: { intervalMs?: number } = {},
): LivenessMonitor {
  const intervalMs = options.intervalMs ?? 1000;
  let healthySince: Date | null = null;
  let cutOff = true;
  // Wall-clock time (it keeps running while the machine sleeps, unlike the monotonic clock).
  let lastPassAt = Date.now();
  let current: Promise<number> | undefined;
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
  const runOnce = (): Promise<number> => {
    current ??= pass().finally(() => {
      current = undefined;
    });
    return current;
  };
  let warned = false;
  const timer = setInterval(() => {
    if (current) return;
    runOnce().then(
      () => {
        warned = false;
      },
      (error: unknown) => {
        // One warning per outage, not one a second.
        if (!warned) ctx.logger.warn({ err: error }, 'worker liveness pass failed');
        warned = true;
      },
    );
  }, intervalMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await current?.catch(() => undefined);
    },
  };
}
