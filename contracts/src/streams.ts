import { z } from 'zod';
import { JsonValue, TaskId, TaskStatus, Timestamp } from './common.ts';
import { ErrorBody, TaskErrorView } from './errors.ts';
import { LogEvent, ProgressEvent, StatusEvent, TASK_EVENT_TYPES } from './events.ts';
import { progressText } from './report-text.ts';
import { TERMINAL_STATUSES } from './statuses.ts';
import { ChildFinishedEvent, SignalReceivedEvent, WaitingEvent } from './waits.ts';

/**
 * Shapes of the hand-written streams: `GET /tasks/{task_id}/stream` (SSE) and `WS /ws/{task_id}`.
 * tRPC subscriptions (`tasks.events`, `tasks.feed`) yield `TaskEvent` (events.ts) instead. Every
 * transport carries every TaskEvent type (TASK_EVENT_TYPES): none leaves one out.
 */

/**
 * The `retry:` every SSE answer of the api starts with (the tRPC ones too): how long an EventSource waits
 * before reconnecting after its stream dropped; without it, 3 s. A browser retries at this interval for as
 * long as the api is away (a second: prompt, yet not a storm of browsers); the typed client adds a growing
 * backoff to it.
 */
export const SSE_RETRY_MS = 1000;

/** The last message of every task stream: the outcome, once the task is terminal. */
export const TaskStreamDone = z.object({
  task_id: TaskId,
  done: z.literal(true),
  final_status: z.enum(TERMINAL_STATUSES),
  /** The task's last progress and message, as GET /tasks/{task_id}/progress reports them. */
  progress: z.number().min(0).max(100),
  message: progressText('message'),
  result: JsonValue.nullable(),
  error: TaskErrorView.nullable(),
});
export type TaskStreamDone = z.infer<typeof TaskStreamDone>;

/**
 * SSE `event:` names: every TaskEvent type, then `done`. `id:` is the event's seq; the `done` event's id
 * is its own (`<seq>-done`, sseDoneId), so resuming from it is told the stream is over (204).
 */
export const SSE_EVENT_NAMES = [...TASK_EVENT_TYPES, 'done'] as const;
export const SseEventName = z.enum(SSE_EVENT_NAMES);
export type SseEventName = z.infer<typeof SseEventName>;

/** `data:` of each SSE event, by `event:` name. */
export const SseEventData = {
  status: StatusEvent,
  progress: ProgressEvent,
  log: LogEvent,
  waiting: WaitingEvent,
  signal_received: SignalReceivedEvent,
  child_finished: ChildFinishedEvent,
  done: TaskStreamDone,
} as const satisfies Record<SseEventName, z.ZodType>;

/** What the `done` event's id adds to the seq of the last event the stream sent. */
export const SSE_DONE_ID_SUFFIX = '-done';

/** The `id:` of the `done` event after the event `seq`, the last one the stream sent. */
export function sseDoneId(seq: number): string {
  return `${seq}${SSE_DONE_ID_SUFFIX}`;
}

/**
 * `Last-Event-ID` of `GET /tasks/{task_id}/stream`: an event seq (resume after it), or the `done` event's
 * id (the client saw the end: 204 if nothing came since, else resume after its seq).
 */
export const SseLastEventId = z.string().regex(new RegExp(`^\\d+(${SSE_DONE_ID_SUFFIX})?$`));

/** A raw WebSocket message sent on every status or progress change: the task's state after it. */
export const TaskSocketUpdate = z.object({
  task_id: TaskId,
  /** The seq of the event that caused this update; reconnect with `?last_event_id=<seq>`. */
  seq: z.number().int().positive(),
  /** When that event happened. */
  at: Timestamp,
  status: TaskStatus,
  progress: z.number().min(0).max(100),
  step: progressText('step'),
  message: progressText('message'),
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
 * The events the raw socket sends as they are: every TaskEvent but `status` and `progress`, which it sends
 * as TaskSocketUpdate (the state after them).
 */
export const TaskSocketEvent = z.discriminatedUnion('type', [
  LogEvent,
  WaitingEvent,
  SignalReceivedEvent,
  ChildFinishedEvent,
]);
export type TaskSocketEvent = z.infer<typeof TaskSocketEvent>;

/**
 * Every message the server sends on `WS /ws/{task_id}`: state updates, the other events as they are
 * (TaskSocketEvent), then the outcome; or an error.
 */
export const TaskSocketServerMessage = z.union([
  TaskSocketUpdate,
  TaskStreamDone,
  TaskSocketError,
  TaskSocketEvent,
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
