import { z } from 'zod';
import { JsonValue, TaskId, TaskStatus, Timestamp } from './common.ts';
import { ErrorBody, TaskErrorView } from './errors.ts';
import { ProgressEvent, StatusEvent } from './events.ts';
import { TERMINAL_STATUSES } from './statuses.ts';
import { ChildFinishedEvent, SignalReceivedEvent, WaitEvent, WaitingEvent } from './waits.ts';

/**
 * Shapes of the hand-written streams: `GET /tasks/{task_id}/stream` (SSE) and `WS /ws/{task_id}`.
 * tRPC subscriptions (`tasks.events`, `tasks.feed`) yield `TaskEvent` (events.ts) instead.
 */

/** The last message of every task stream: the outcome, once the task is terminal. */
export const TaskStreamDone = z.object({
  task_id: TaskId,
  done: z.literal(true),
  final_status: z.enum(TERMINAL_STATUSES),
  /** The task's last progress and message, as GET /tasks/{task_id}/progress reports them. */
  progress: z.number().min(0).max(100),
  message: z.string().nullable(),
  result: JsonValue.nullable(),
  error: TaskErrorView.nullable(),
});
export type TaskStreamDone = z.infer<typeof TaskStreamDone>;

/** SSE `event:` names; `id:` is the task event seq (the `done` event repeats the terminal seq). */
export const SSE_EVENT_NAMES = [
  'status',
  'progress',
  'waiting',
  'signal_received',
  'child_finished',
  'done',
] as const;
export const SseEventName = z.enum(SSE_EVENT_NAMES);
export type SseEventName = z.infer<typeof SseEventName>;

/** `data:` of each SSE event, by `event:` name. */
export const SseEventData = {
  status: StatusEvent,
  progress: ProgressEvent,
  waiting: WaitingEvent,
  signal_received: SignalReceivedEvent,
  child_finished: ChildFinishedEvent,
  done: TaskStreamDone,
} as const;

/** A raw WebSocket message sent on every status or progress change: the task's state after it. */
export const TaskSocketUpdate = z.object({
  task_id: TaskId,
  /** The seq of the event that caused this update; reconnect with `?last_event_id=<seq>`. */
  seq: z.number().int().positive(),
  /** When that event happened. */
  at: Timestamp,
  status: TaskStatus,
  progress: z.number().min(0).max(100),
  step: z.string().nullable(),
  message: z.string().nullable(),
  eta_seconds: z.number().nullable(),
  attempt: z.number().int(),
});
export type TaskSocketUpdate = z.infer<typeof TaskSocketUpdate>;

/** Sent on the raw WebSocket when a request fails (unknown task, cancel refused, ...). */
export const TaskSocketError = z.object({
  task_id: z.string(),
  error: ErrorBody,
});
export type TaskSocketError = z.infer<typeof TaskSocketError>;

/**
 * Every message the server sends on `WS /ws/{task_id}`: a wait event (`waiting`, `signal_received`,
 * `child_finished`) is sent as it is, between the updates.
 */
export const TaskSocketServerMessage = z.union([
  TaskSocketUpdate,
  TaskStreamDone,
  TaskSocketError,
  WaitEvent,
]);
export type TaskSocketServerMessage = z.infer<typeof TaskSocketServerMessage>;

/** What a client may send on `WS /ws/{task_id}`. */
export const TaskSocketClientMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('cancel') }),
]);
export type TaskSocketClientMessage = z.infer<typeof TaskSocketClientMessage>;

/**
 * Close codes of `WS /ws/{task_id}`: 1000 after `done`, 1012 when the server restarts (reconnect
 * with `last_event_id`), and 4000 + the HTTP status for a refused stream (4400, 4401, 4403, 4404).
 */
export const TASK_SOCKET_CLOSE = {
  done: 1000,
  restarting: 1012,
  errorBase: 4000,
} as const;
