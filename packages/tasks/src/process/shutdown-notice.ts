import type { Logger } from 'pino';

const tasks = (count: number) => `${count} running task${count === 1 ? '' : 's'}`;

/**
 * A first signal with tasks running waits up to the grace period for them: say so on the terminal too, and
 * that a second Ctrl-C stops at once.
 */
export function announceWaitForTasks(
  logger: Logger,
  signal: string,
  running: number,
  graceSeconds: number,
): void {
  if (running === 0) return;
  const message =
    `waiting up to ${graceSeconds} s for ${tasks(running)} to finish; ` +
    'press Ctrl-C again to stop now (they go back to the queue)';
  logger.info({ signal, runningTasks: running, graceSeconds }, message);
  process.stdout.write(`\n  ${message}\n`);
}

/** A second signal: the running tasks are stopped and put back in the queue before the process exits. */
export function announceStopNow(logger: Logger, signal: string, running: number): void {
  const message =
    running === 0
      ? 'stopping now'
      : `stopping now: ${tasks(running)} go${running === 1 ? 'es' : ''} back to the queue`;
  logger.warn({ signal, runningTasks: running }, message);
  process.stdout.write(`\n  ${message}\n`);
}
