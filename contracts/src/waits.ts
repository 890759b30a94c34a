import { z } from 'zod';
import { ClientJson, JsonValue, storableText, TaskId, TaskStatus, Timestamp } from './common.ts';
import { TaskErrorView } from './errors.ts';

/**
 * The status of a task that waits (for a signal, a time or its children) and holds nothing meanwhile:
 * no worker slot, no running pg-boss job. Not terminal; one of TASK_STATUSES.
 */
export const WAITING_STATUS = 'waiting' satisfies TaskStatus;
export type WaitingStatus = typeof WAITING_STATUS;

/**
 * A signal's name: the last segment of `POST /tasks/{id}/signals/{name}` and a key of a workflow's
 * `signals`, so it stays URL- and identifier-safe.
 */
export const SignalName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'a signal name is a letter, then up to 63 letters, digits, _ or -');
export type SignalName = z.infer<typeof SignalName>;

/** What a waiting task waits for (`task.wait`); null on tasks that do not wait. */
export const TaskWait = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('signal'),
    /** The graph node that waits (an internal name, for logs and support). */
    node_id: z.string(),
    since: Timestamp,
    signal: SignalName,
    /** JSON Schema of the payload the workflow declared for this signal. */
    schema: z.record(z.string(), z.unknown()),
    /** When the wait gives up (the node's timeout action, or WAIT_TIMEOUT); null: no deadline. */
    deadline: Timestamp.nullable(),
  }),
  z.object({
    kind: z.literal('sleep'),
    node_id: z.string(),
    since: Timestamp,
    until: Timestamp,
  }),
  z.object({
    kind: z.literal('children'),
    node_id: z.string(),
    since: Timestamp,
    /** In the order the node gave them; their outcomes reach it in the same order. */
    child_task_ids: z.array(TaskId),
    /** Children that have finished (completed, failed or cancelled). */
    finished: z.number().int().min(0),
  }),
]);
export type TaskWait = z.infer<typeof TaskWait>;
export type WaitKind = TaskWait['kind'];

/**
 * A key a sender chooses for one signal (a webhook's delivery id, one form shown): a repeat of the key
 * to the same task gets the first answer and changes nothing. REST takes it in the `Idempotency-Key`
 * request header.
 */
export const SignalIdempotencyKey = storableText(z.string().min(1).max(200)).describe(
  'A repeat of the key to the same task answers as the first signal did (`deduplicated: true`) and changes nothing; the key with another signal name or payload is a 409 CONFLICT. Without a key, a signal repeated after the wait it ended is kept for the next wait of that name.',
);

/**
 * Input of `tasks.signal` (`POST /tasks/{task_id}/signals/{name}`, the body is `payload`, the
 * `Idempotency-Key` header is `idempotency_key`). The payload is checked against the schema the task's
 * workflow declared for `name`: a mismatch is a 400 naming the field; a task that is not waiting for
 * `name` (and does not take early signals) is a 409 `CONFLICT`; another owner's task is a 404.
 */
export const SignalTaskInput = z.strictObject({
  task_id: TaskId,
  name: SignalName,
  payload: ClientJson,
  /** Per task: a repeat answers as the first did; with another name or payload it is a 409. */
  idempotency_key: SignalIdempotencyKey.optional(),
});
export type SignalTaskInput = z.infer<typeof SignalTaskInput>;

export const SignalTaskOutput = z.object({
  task_id: TaskId,
  name: SignalName,
  /**
   * `resumed`: the signal ended the task's wait and the task is queued to go on; `stored`: the
   * task has not reached the wait yet, and takes the signal when it does.
   */
  taken: z.enum(['resumed', 'stored']),
  /** The task's status right after the signal (for a repeat of a key: after the first one). */
  status: TaskStatus,
  /** True when the idempotency key was used before: this is the first signal's answer, nothing changed. */
  deduplicated: z.boolean(),
});
export type SignalTaskOutput = z.infer<typeof SignalTaskOutput>;

/** The fields of every task event (the same as in events.ts). */
const WaitEventBase = z.object({
  task_id: TaskId,
  seq: z.number().int().positive(),
  at: Timestamp,
});

/**
 * The task began to wait (its status event says `waiting`; this one says for what). Carries no
 * progress: a waiting task's progress is that of its latest progress event, unchanged.
 */
export const WaitingEvent = WaitEventBase.extend({
  type: z.literal('waiting'),
  wait: TaskWait,
});
export type WaitingEvent = z.infer<typeof WaitingEvent>;

/** A signal reached the task: it ended the wait (`resumed`) or is kept for it (`stored`). */
export const SignalReceivedEvent = WaitEventBase.extend({
  type: z.literal('signal_received'),
  name: SignalName,
  taken: z.enum(['resumed', 'stored']),
  /**
   * The validated payload; absent when too large to repeat in an event (the node still gets it).
   * Optional rather than nullable: a JSON value may itself be null, and tRPC's types make it optional anyway.
   */
  payload: JsonValue.optional(),
});
export type SignalReceivedEvent = z.infer<typeof SignalReceivedEvent>;

/**
 * One child of a waiting parent finished. Progress is not derived from it: the parent's own
 * progress events, which count its children's, say how far the parent is.
 */
export const ChildFinishedEvent = WaitEventBase.extend({
  type: z.literal('child_finished'),
  child_task_id: TaskId,
  /** Position of the child in the node's list (0-based). */
  index: z.number().int().min(0),
  status: z.enum(['completed', 'failed', 'cancelled']),
  error: TaskErrorView.nullable(),
  finished: z.number().int().min(0),
  total: z.number().int().min(1),
});
export type ChildFinishedEvent = z.infer<typeof ChildFinishedEvent>;

/** The wait events (members of TaskEvent's union). */
export const WAIT_EVENT_TYPES = ['waiting', 'signal_received', 'child_finished'] as const;
export const WaitEvent = z.discriminatedUnion('type', [
  WaitingEvent,
  SignalReceivedEvent,
  ChildFinishedEvent,
]);
export type WaitEvent = z.infer<typeof WaitEvent>;
