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
 * back the tasks of dead workers. After a pass failed on a lost connection, the next good pass first reads
 * the database's clock: workers are judged from then on only, since this process could not tell a dead
 * worker from one that lost its connection as it did.
 */
export function startLivenessMonitor(
  ctx: TaskContext,
  options: { intervalMs?: number } = {},
): LivenessMonitor {
  let healthySince: Date | null = null;
  let cutOff = false;
  let current: Promise<number> | undefined;
  const pass = async (): Promise<number> => {
    try {
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
  }, options.intervalMs ?? 1000);
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await current?.catch(() => undefined);
    },
  };
}
