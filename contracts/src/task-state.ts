import type { TaskStatus } from './common.ts';
import type { TaskErrorView } from './errors.ts';
import type { TaskEvent } from './events.ts';
import { isTerminalStatus } from './statuses.ts';

// Free of zod at runtime (types only, plus statuses.ts): browser bundles fold events too.

/** A task as its events tell it: what every live view (WebSocket frames, dashboard, CLI bar) shows. */
export interface TaskState {
  status: TaskStatus;
  attempt: number;
  progress: number;
  step: string | null;
  message: string | null;
  eta_seconds: number | null;
  error: TaskErrorView | null;
}

/** Before the task's first event. */
export const INITIAL_TASK_STATE: Readonly<TaskState> = {
  status: 'pending',
  attempt: 0,
  progress: 0,
  step: null,
  message: null,
  eta_seconds: null,
  error: null,
};

/**
 * The ETA a status event leaves: what the event carries (a completion's 0), else none once the task
 * failed, was cancelled or waits, since nothing runs toward an end; else the last report's, unchanged.
 * The same reading as the task's row and GET /tasks/{task_id}/progress.
 */
function etaAfterStatus(
  status: TaskStatus,
  carried: number | null | undefined,
  known: number | null,
): number | null {
  if (carried !== undefined) return carried;
  return isTerminalStatus(status) || status === 'waiting' ? null : known;
}

/**
 * The task's state after one event, by the progress contract of TaskEvent (events.ts). Extra fields of
 * `state` are kept; log and wait events change nothing and return `state` itself.
 *
 * @example
 * let state: TaskState = INITIAL_TASK_STATE;
 * for await (const event of client.watch(taskId)) state = foldTaskEvent(state, event);
 */
export function foldTaskEvent<S extends TaskState>(state: S, event: TaskEvent): S {
  switch (event.type) {
    case 'status':
      return {
        ...state,
        status: event.status,
        attempt: event.attempt,
        // A failure's event names its error; should one come without, the error known so far stays.
        error: event.status === 'failed' ? (event.error ?? state.error) : event.error,
        progress: event.progress ?? state.progress,
        step: event.step === undefined ? state.step : event.step,
        message: event.message === undefined ? state.message : event.message,
        eta_seconds: etaAfterStatus(event.status, event.eta_seconds, state.eta_seconds),
      };
    case 'progress':
      return {
        ...state,
        progress: event.progress,
        step: event.step,
        message: event.message,
        eta_seconds: event.eta_seconds,
      };
    case 'log':
    case 'waiting':
    case 'signal_received':
    case 'child_finished':
      return state;
  }
}
