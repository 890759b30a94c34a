import { z } from 'zod';
import { JsonValue, TaskId, TaskStatus, Timestamp } from './common.ts';
import { TaskError } from './errors.ts';

const EventBase = z.object({
  task_id: TaskId,
  /** Per-task sequence number, starting at 1; the resume point of every stream. */
  seq: z.number().int().positive(),
  at: Timestamp,
});

export const StatusEvent = EventBase.extend({
  type: z.literal('status'),
  status: TaskStatus,
  attempt: z.number().int(),
  error: TaskError.nullable(),
});
export type StatusEvent = z.infer<typeof StatusEvent>;

export const ProgressEvent = EventBase.extend({
  type: z.literal('progress'),
  progress: z.number().min(0).max(100),
  step: z.string().nullable(),
  message: z.string().nullable(),
  eta_seconds: z.number().nullable(),
});
export type ProgressEvent = z.infer<typeof ProgressEvent>;

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export const LogLevel = z.enum(LOG_LEVELS);
export type LogLevel = z.infer<typeof LogLevel>;

export const LogEvent = EventBase.extend({
  type: z.literal('log'),
  level: LogLevel,
  message: z.string(),
  data: JsonValue.optional(),
});
export type LogEvent = z.infer<typeof LogEvent>;

/** Everything that happens to a task, in `seq` order. */
export const TaskEvent = z.discriminatedUnion('type', [StatusEvent, ProgressEvent, LogEvent]);
export type TaskEvent = z.infer<typeof TaskEvent>;
export type TaskEventType = TaskEvent['type'];

/** Input of `tasks.events`: `lastEventId` is the seq of the last event the caller saw. */
export const TaskEventsInput = z.object({
  task_id: TaskId,
  lastEventId: z.string().regex(/^\d+$/, 'lastEventId is an event seq').nullish(),
});
export type TaskEventsInput = z.infer<typeof TaskEventsInput>;

/** Input of `tasks.feed` (every event the caller may see); no replay, live only. */
export const TaskFeedInput = z
  .object({
    workflow: z.string().optional(),
    types: z.array(z.enum(['status', 'progress', 'log'])).optional(),
  })
  .default({});
export type TaskFeedInput = z.input<typeof TaskFeedInput>;
