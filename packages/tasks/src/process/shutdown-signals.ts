import type { Logger } from 'pino';

/** One step of an ordered shutdown; a failing step is logged and the next one still runs. */
export interface ShutdownStep {
  name: string;
  run: () => Promise<unknown>;
}

export interface ShutdownOptions {
  /**
   * Exit 1 when the steps have not finished this long after the signal (a pool that never drains, a hung
   * connection), so an orchestrator never has to escalate to SIGKILL. Unset: no deadline.
   */
  deadlineMs?: number;
}

/**
 * On SIGTERM or SIGINT runs the steps in order (a process stops taking work before it closes what that
 * work needs), then exits 0; a second signal, or the deadline, exits 1 at once.
 */
export function exitOnShutdownSignals(
  logger: Logger,
  steps: readonly ShutdownStep[],
  options: ShutdownOptions = {},
): void {
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const { deadlineMs } = options;
    if (deadlineMs !== undefined) {
      setTimeout(() => {
        logger.error({ deadlineMs }, 'shutdown did not finish within its deadline: exiting now');
        process.exit(1);
      }, deadlineMs).unref();
    }
    for (const step of steps) {
      await step.run().catch((error: unknown) => logger.error({ err: error }, `${step.name} failed`));
    }
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
