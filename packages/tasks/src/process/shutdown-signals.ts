import type { Logger } from 'pino';

/** One step of an ordered shutdown; a failing step is logged and the next one still runs. */
export interface ShutdownStep {
  name: string;
  run: () => Promise<unknown>;
}

/**
 * On SIGTERM or SIGINT runs the steps in order (a process stops taking work before it closes what that
 * work needs), then exits 0; a second signal exits 1 at once.
 */
export function exitOnShutdownSignals(logger: Logger, steps: readonly ShutdownStep[]): void {
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    for (const step of steps) {
      await step.run().catch((error: unknown) => logger.error({ err: error }, `${step.name} failed`));
    }
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
