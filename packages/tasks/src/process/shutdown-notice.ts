import type { Logger } from 'pino';

export interface ShutdownNoticeOptions {
  /** Tasks this process is running now (0 without a worker). */
  runningTasks: () => number;
  graceSeconds: number;
}

/**
 * A Ctrl-C with tasks running waits up to the grace period for them: say so, and that a second Ctrl-C
 * stops at once (the ordered shutdown's own listener then exits 1). Register it before
 * `exitOnShutdownSignals` so the notice comes first.
 */
export function announceShutdownWaits(logger: Logger, options: ShutdownNoticeOptions): void {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: stopping now; running tasks are retried later');
      return;
    }
    const running = options.runningTasks();
    if (running === 0) return;
    const message =
      `waiting up to ${options.graceSeconds} s for ${running} running task${running === 1 ? '' : 's'} ` +
      'to finish; press Ctrl-C again to stop now (they are retried later)';
    logger.info({ signal, runningTasks: running, graceSeconds: options.graceSeconds }, message);
    process.stdout.write(`\n  ${message}\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
