import type { TaskEvent, TaskView } from '@kaygraph/contracts';
import { formatDuration, secondsBetween } from './format.ts';

/** When the task's current run began: its last `running` event (a retry or a resume starts a new run). */
export function currentRunStart(events: readonly TaskEvent[]): string | null {
  for (let index = events.length - 1; index >= 0; index--) {
    const event = events[index];
    if (event?.type === 'status' && event.status === 'running') return event.at;
  }
  return null;
}

/**
 * The task page's run time: a finished task's, or for a running one how long its current run has lasted
 * so far (a node that never returns shows here as a number that keeps growing).
 */
export function runTimeText(
  task: Pick<TaskView, 'status' | 'started_at' | 'completed_at'>,
  events: readonly TaskEvent[],
  now: number,
): string {
  if (task.status !== 'running') return formatDuration(secondsBetween(task.started_at, task.completed_at));
  const since = currentRunStart(events) ?? task.started_at;
  if (!since) return '—';
  return `${formatDuration(Math.max(0, (now - Date.parse(since)) / 1000))} so far`;
}
