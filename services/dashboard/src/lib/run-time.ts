import type { TaskView } from '@kaygraph/contracts';
import { formatDuration, secondsBetween } from './format.ts';

/**
 * A running task's run time as the server last told it (`run_seconds`, by the server's clock) and when the
 * page read it (`performance.now()`): the page ticks on with its own elapsed time, so a browser whose clock
 * is off (or changes) still shows the right figure.
 */
export interface RunClock {
  attempt: number;
  seconds: number;
  readAt: number;
}

/** The run clock of a task just read; null unless it runs. */
export function runClockOf(view: TaskView, readAt: number): RunClock | null {
  if (view.status !== 'running' || view.run_seconds === null) return null;
  return { attempt: view.attempt, seconds: view.run_seconds, readAt };
}

/**
 * The task page's run time: a finished task's, or for a running one how long its current run has lasted
 * so far (a node that never returns shows here as a number that keeps growing). A run the page has not read
 * yet (a retry began since) shows "—" until the read that follows its start.
 */
export function runTimeText(
  task: Pick<TaskView, 'status' | 'attempt' | 'started_at' | 'completed_at'>,
  clock: RunClock | null,
  elapsedNow: number,
): string {
  if (task.status !== 'running') return formatDuration(secondsBetween(task.started_at, task.completed_at));
  if (!clock || clock.attempt !== task.attempt) return '—';
  return `${formatDuration(clock.seconds + Math.max(0, (elapsedNow - clock.readAt) / 1000))} so far`;
}
