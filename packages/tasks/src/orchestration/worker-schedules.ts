import type { Logger } from 'pino';
import type { TaskContext } from '../context.ts';
import type { WorkerRuntime } from '../worker/runtime.ts';
import { startScheduleFiring } from './schedule-firing.ts';

/**
 * A worker runtime that also fires cron schedules (runs firing passes that create their tasks); stopping it stops taking firings first, then the runtime.
 */
export async function withScheduleFiring(
  ctx: TaskContext,
  logger: Logger,
  runtime: WorkerRuntime,
  options: { checkIntervalSeconds: number },
): Promise<WorkerRuntime> {
  let firing: Awaited<ReturnType<typeof startScheduleFiring>>;
  try {
    firing = await startScheduleFiring(ctx, logger, options);
  } catch (error) {
    await runtime.stop();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await firing
        .stop()
        .catch((error: unknown) => logger.warn({ err: error }, 'stopping schedule firing failed'));
      await runtime.stop();
    })();
    return stopping;
  };
  // The runtime stops at once, without waiting for a firing pass in flight (a pass only submits tasks).
  const stopNow = () => Promise.all([stop(), runtime.stopNow()]).then(() => undefined);
  return {
    workerId: runtime.workerId,
    get active() {
      return runtime.active;
    },
    shutdownGraceSeconds: runtime.shutdownGraceSeconds,
    stop,
    stopNow,
    [Symbol.asyncDispose]: stop,
  };
}
