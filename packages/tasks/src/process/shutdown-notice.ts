import type { Logger } from 'pino';

const tasks = (count: number) => `${count} running task${count === 1 ? '' : 's'}`;

/** What a first stop with tasks running says: how long it waits, and how to stop at once instead. */
export function waitForTasksMessage(running: number, graceSeconds: number, stopNow: string): string {
  return `waiting up to ${graceSeconds} s for ${tasks(running)} to finish; ${stopNow}`;
}

/** What a stop that does not wait says. */
export function stopNowMessage(running: number): string {
  return running === 0
    ? 'stopping now'
    : `stopping now: ${tasks(running)} go${running === 1 ? 'es' : ''} back to the queue`;
}

/**
 * A first signal with tasks running waits up to the grace period for them: say so on the terminal too
 * (stderr: stdout carries JSON log lines only), and that a second Ctrl-C stops at once.
 */
export function announceWaitForTasks(
  logger: Logger,
  signal: string,
  running: number,
  graceSeconds: number,
): void {
  if (running === 0) return;
  const message = waitForTasksMessage(
    running,
    graceSeconds,
    'press Ctrl-C again to stop now (they go back to the queue)',
  );
  logger.info({ signal, runningTasks: running, graceSeconds }, message);
  process.stderr.write(`\n  ${message}\n`);
}

/** A second signal: the running tasks are stopped and put back in the queue before the process exits. */
export function announceStopNow(logger: Logger, signal: string, running: number): void {
  const message = stopNowMessage(running);
  logger.warn({ signal, runningTasks: running }, message);
  process.stderr.write(`\n  ${message}\n`);
}
