import type { ProgressEvent, TaskEvent } from '@kaygraph/contracts';

/** One row of a task's history: an event, and for progress the earlier reports of the same step. */
export interface HistoryRow {
  event: TaskEvent;
  /** Progress events of the same step before `event`, oldest first (shown on demand). */
  earlier: ProgressEvent[];
}

/**
 * Collapses a task's history for reading: status and log events stay one row each, and each run of
 * progress events of one step becomes one row showing its last report (a long task sends thousands).
 *
 * @example collapseHistory(events).map((row) => row.event.seq)
 */
export function collapseHistory(events: readonly TaskEvent[]): HistoryRow[] {
  const rows: HistoryRow[] = [];
  for (const event of events) {
    const previous = rows.at(-1);
    if (
      event.type === 'progress' &&
      previous?.event.type === 'progress' &&
      previous.event.step === event.step
    ) {
      previous.earlier.push(previous.event);
      previous.event = event;
      continue;
    }
    rows.push({ event, earlier: [] });
  }
  return rows;
}
