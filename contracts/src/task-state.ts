import type { TaskStatus } from './common.ts';
import type { TaskErrorView } from './errors.ts';
import type { TaskEvent } from './events.ts';

// Free of zod at runtime (types only): browser bundles fold events too.

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
 * The ETA a task shows: only a running task moves toward an end, so 0 once completed and none while it
 * is not running (queued for a retry, whose `run_at` says when it runs again; waiting; failed; cancelled),
 * whatever the last report said. The one rule for every view: events folded here, the task's row as
 * GET /tasks/{task_id}, lists and GET /tasks/{task_id}/progress answer it.
 */
export function etaShown(status: TaskStatus, eta: number | null): number | null {
  if (status === 'completed') return 0;
  return status === 'running' ? eta : null;
}

/** Statuses of a task that has yet to start its next run: only for these is `run_at` still ahead. */
const BEFORE_A_RUN: ReadonlySet<TaskStatus> = new Set(['pending', 'blocked', 'scheduled', 'queued']);

/**
 * The `run_at` a task shows: when it becomes runnable, so only while it has yet to start its next run
 * (its submit's time, or a retry's end of backoff); none once it runs, waits or has finished, where the
 * stored time (a past retry's) would say nothing true. The one rule for the task's view and lists.
 */
export function runAtShown(status: TaskStatus, runAt: string | null): string | null {
  return BEFORE_A_RUN.has(status) ? runAt : null;
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
        eta_seconds: etaShown(event.status, event.eta_seconds ?? state.eta_seconds),
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
