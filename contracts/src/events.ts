import { z } from 'zod';
import { TaskId, TaskStatus, Timestamp } from './common.ts';
import { TaskError } from './errors.ts';
import { LogData, LogText, progressText } from './report-text.ts';
import { WorkflowName } from './tasks.ts';
import { ChildFinishedEvent, SignalReceivedEvent, WAIT_EVENT_TYPES, WaitingEvent } from './waits.ts';

const EventBase = z.object({
  task_id: TaskId,
  /** Per-task sequence number, starting at 1; the resume point of every stream. */
  seq: z.number().int().positive(),
  at: Timestamp,
});

/**
 * A task changed status. A `completed` event carries `progress: 100`, `eta_seconds: 0` and the task's
 * last `step` and `message`: it is the task's last progress report as well (see TaskEvent for the
 * progress contract).
 */
export const StatusEvent = EventBase.extend({
  type: z.literal('status'),
  status: TaskStatus,
  attempt: z.number().int(),
  error: TaskError.nullable(),
  progress: z.number().min(0).max(100).optional(),
  eta_seconds: z.number().nullable().optional(),
  step: progressText('step').optional(),
  message: progressText('message').optional(),
});
export type StatusEvent = z.infer<typeof StatusEvent>;

export const ProgressEvent = EventBase.extend({
  type: z.literal('progress'),
  progress: z.number().min(0).max(100),
  step: progressText('step'),
  message: progressText('message'),
  eta_seconds: z.number().nullable(),
});
export type ProgressEvent = z.infer<typeof ProgressEvent>;

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export const LogLevel = z.enum(LOG_LEVELS);
export type LogLevel = z.infer<typeof LogLevel>;

export const LogEvent = EventBase.extend({
  type: z.literal('log'),
  level: LogLevel,
  message: LogText,
  data: LogData.optional(),
});
export type LogEvent = z.infer<typeof LogEvent>;

/**
 * Everything that happens to a task, in `seq` order, the same on every transport (tRPC, SSE, WebSocket).
 * Waits add `waiting`, `signal_received` and `child_finished` (waits.ts).
 *
 * Progress contract: a task's progress is the `progress` of its latest `progress` event, or of a status
 * event that carries one. A task's first progress report is sent at once; later reports of a running
 * task are coalesced (the latest of each short interval is sent). A completed task's stream ends with
 * progress 100: its `completed` status event carries `progress: 100` with the task's last step and
 * message. Consumers read progress from events and never derive it from a status. The ETA is that of the
 * latest progress report, 0 once completed, and null once failed or cancelled or while the task waits.
 * `foldTaskEvent` (task-state.ts) applies this contract; every live view folds with it.
 */
export const TaskEvent = z.discriminatedUnion('type', [
  StatusEvent,
  ProgressEvent,
  LogEvent,
  WaitingEvent,
  SignalReceivedEvent,
  ChildFinishedEvent,
]);
export type TaskEvent = z.infer<typeof TaskEvent>;
export type TaskEventType = TaskEvent['type'];

/** Every event type, in the order of TaskEvent's union. */
export const TASK_EVENT_TYPES = [
  'status',
  'progress',
  'log',
  ...WAIT_EVENT_TYPES,
] as const satisfies readonly TaskEventType[];

/** Input of `tasks.events`: `lastEventId` is the seq of the last event the caller saw. */
export const TaskEventsInput = z.strictObject({
  task_id: TaskId,
  lastEventId: z.string().max(200).regex(/^\d+$/, 'lastEventId is an event seq').nullish(),
});
export type TaskEventsInput = z.infer<typeof TaskEventsInput>;

/**
 * Input of `tasks.feed` (every event the caller may see); no replay, live only. `lastEventId` is accepted
 * and unused: tRPC adds it to a subscription's input when a client reconnects.
 */
export const TaskFeedInput = z
  .strictObject({
    workflow: WorkflowName.optional(),
    /** Held for the subscription's life and checked on every event: each type at most once. */
    types: z
      .array(z.enum(TASK_EVENT_TYPES))
      .max(TASK_EVENT_TYPES.length)
      .refine((types) => new Set(types).size === types.length, 'name each event type once')
      .optional(),
    lastEventId: z.string().max(200).nullish(),
  })
  .default({});
export type TaskFeedInput = z.input<typeof TaskFeedInput>;

/** Input of `tasks.feedState`; `lastEventId` is accepted and unused, as for `tasks.feed`. */
export const FeedStateInput = z.strictObject({ lastEventId: z.string().max(200).nullish() }).default({});
export type FeedStateInput = z.input<typeof FeedStateInput>;

/**
 * What `tasks.feedState` sends on subscribing and on every change: whether the api reaches its database.
 * `unreachable` from a liveness pass (one a second) that failed because the connection to PostgreSQL is
 * lost or refused (feeds are silent, reads fail) until the next pass that succeeds; then `reachable`, and
 * what the feed missed meanwhile must be read again.
 */
export const FeedState = z.strictObject({ database: z.enum(['reachable', 'unreachable']) });
export type FeedState = z.infer<typeof FeedState>;

/**
 * What the `task_events` NOTIFY carries for one stored event: its row and the task's owner and workflow
 * (for feed filters). `payload` is null when the event was too large for a notification: listeners then
 * read the stored row by `task_id` and `seq`.
 */
export const TaskEventNotification = z.object({
  task_id: TaskId,
  seq: z.number().int().positive(),
  owner: z.string(),
  workflow: z.string(),
  type: z.enum(TASK_EVENT_TYPES),
  at: z.string(),
  payload: z.record(z.string(), z.unknown()).nullable(),
});
export type TaskEventNotification = z.infer<typeof TaskEventNotification>;
