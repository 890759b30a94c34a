import type { Logger } from 'pino';
import { announceStopNow, announceWaitForTasks } from './shutdown-notice.ts';

/** One step of an ordered shutdown; a failing step is logged and the next one still runs. */
export interface ShutdownStep {
  name: string;
  run: () => Promise<unknown>;
}

/** The worker of a process (a `WorkerRuntime`), as its shutdown sees it. */
export interface ShutdownWorker {
  /** Tasks running now. */
  readonly active: number;
  /** How long the first signal lets running tasks finish (the worker's stop applies it). */
  readonly shutdownGraceSeconds: number;
  /** Stops the running tasks and puts them back in the queue (see `WorkerRuntime.stopNow`). */
  stopNow(): Promise<void>;
}

export interface ShutdownOptions {
  /**
   * Exit 1 when the steps have not finished this long after the signal (a pool that never drains, a hung
   * connection), so an orchestrator never has to escalate to SIGKILL. Unset: no deadline.
   */
  deadlineMs?: number;
  /**
   * How long a signal that came while the process was starting waits for the start to finish (a migration
   * behind a lock, a database that does not answer) before it exits 1. Default 30 s.
   */
  startingDeadlineMs?: number;
}

/** What the process has started, once it has: the shutdown stops these. */
export interface ShutdownTargets {
  steps: readonly ShutdownStep[];
  /** The process's worker, if it runs one: a step stops it gracefully, a second signal stops it now. */
  worker?: ShutdownWorker;
}

/** The handle of the shutdown sequence, whose targets exist once the process has started. */
export interface ShutdownSequence {
  /** The process has started: a signal stops `targets`; one that came while it started does so now. */
  started(targets: ShutdownTargets): void;
}

/**
 * The most a second signal waits for the worker to put its tasks back in the queue: the worker itself
 * gives up on an unreachable database sooner, and this bounds a connection that hangs.
 */
const STOP_NOW_DEADLINE_MS = 5_000;
const STARTING_DEADLINE_MS = 30_000;

/**
 * A reader of the output that went away (`npm start 2>&1 | tee log`, whose tee the same Ctrl-C ended)
 * must not crash the shutdown on its terminal notices: what nobody can read is dropped. The JSON log
 * (pino, on fd 1) drops it already; a crash would leave its exit flush retrying the closed pipe forever.
 */
function ignoreClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
}

/**
 * The shutdown sequence of a service, in one place. Call it before the service starts anything (a worker
 * takes tasks before its start returns), and `started()` once it has: a signal that comes while it starts
 * stops it once started, or exits 1 if the start has not finished within `startingDeadlineMs`. The first
 * SIGTERM or SIGINT runs the steps in order (a process stops taking work before it closes what that work
 * needs; running tasks get the grace period), then exits 0. A second signal stops the worker's running
 * tasks (once the process has started, should it still be starting) and puts them back in the queue
 * without spending a retry, then exits 1, within seconds even with the database away (the liveness monitor
 * then takes them back). A third signal, a second one in a process without a worker, or the deadline,
 * exits 1 at once.
 */
export function exitOnShutdownSignals(logger: Logger, options: ShutdownOptions = {}): ShutdownSequence {
  ignoreClosedOutput();
  let signals = 0;
  let targets: ShutdownTargets | undefined;
  const started = Promise.withResolvers<ShutdownTargets>();
  let startingDeadline: NodeJS.Timeout | undefined;
  const { deadlineMs, startingDeadlineMs = STARTING_DEADLINE_MS } = options;
  const stopNow = async (signal: string, worker: ShutdownWorker): Promise<never> => {
    announceStopNow(logger, signal, worker.active);
    setTimeout(() => {
      logger.error('the running tasks were not all put back in time: exiting now');
      process.exit(1);
    }, STOP_NOW_DEADLINE_MS).unref();
    await worker
      .stopNow()
      .catch((error: unknown) => logger.error({ err: error }, 'stopping the worker now failed'));
    process.exit(1);
  };
  const shutdown = async (signal: string): Promise<void> => {
    signals += 1;
    if (signals > 2 || (signals === 2 && targets && !targets.worker)) {
      logger.warn({ signal }, 'another signal: exiting now');
      process.exit(1);
    }
    if (signals === 2) {
      // Still starting: its worker may already hold tasks, which go back to the queue once it has started.
      if (!targets)
        logger.warn({ signal }, 'still starting: stopping now once started; another signal exits at once');
      const { worker } = targets ?? (await started.promise);
      if (!worker) {
        logger.warn({ signal }, 'another signal: exiting now');
        process.exit(1);
      }
      return stopNow(signal, worker);
    }
    logger.info({ signal }, 'shutting down');
    if (!targets) {
      logger.info('still starting: stopping once started');
      startingDeadline = setTimeout(() => {
        logger.error({ startingDeadlineMs }, 'still starting at the deadline: exiting now');
        process.exit(1);
      }, startingDeadlineMs);
      startingDeadline.unref();
    }
    if (deadlineMs !== undefined) {
      setTimeout(() => {
        logger.error({ deadlineMs }, 'shutdown did not finish within its deadline: exiting now');
        process.exit(1);
      }, deadlineMs).unref();
    }
    const { steps, worker: startedWorker } = await started.promise;
    if (startedWorker) {
      announceWaitForTasks(logger, signal, startedWorker.active, startedWorker.shutdownGraceSeconds);
    }
    for (const step of steps) {
      await step.run().catch((error: unknown) => logger.error({ err: error }, `${step.name} failed`));
    }
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  return {
    started(startedTargets) {
      clearTimeout(startingDeadline);
      targets = startedTargets;
      started.resolve(startedTargets);
    },
  };
}
