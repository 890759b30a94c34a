import { z } from 'zod';
import {
  GroupId,
  isTaskIdPrefix,
  JsonValue,
  Priority,
  ScheduleId,
  StorableParams,
  storableText,
  TaskId,
  TaskStatus,
  TimeoutSeconds,
  Timestamp,
} from './common.ts';
import { TaskErrorView } from './errors.ts';
import { NODE_METRICS_KEPT, NodeMetric, NodeMetricTotals } from './node-metrics.ts';
import { progressText } from './report-text.ts';
import { isTerminalStatus } from './statuses.ts';
import { TaskWait } from './waits.ts';

/** Largest number of tasks one `submitMany` call accepts. */
export const MAX_TASKS_PER_BATCH = 1000;

/**
 * MAX_BATCH_SIZE while unset, on apis and workers alike: tasks per submitMany, group or redrive call, and
 * child tasks per wait (a parent's children are not counted against its owner's MAX_QUEUE_SIZE).
 */
export const DEFAULT_MAX_BATCH_SIZE = 50;

/** A MAX_BATCH_SIZE setting (or a worker's `maxBatchSize`): whole, from 1 to MAX_TASKS_PER_BATCH. */
export const MaxBatchSize = z
  .number()
  .int()
  .min(1)
  .max(MAX_TASKS_PER_BATCH, `at most ${MAX_TASKS_PER_BATCH}: the most tasks one call's input may carry`);

export const WorkflowName = z
  .string()
  .min(1, 'workflow is required')
  .max(100)
  .regex(/^[A-Za-z0-9_.-]+$/, 'workflow names use letters, digits, "_", "." and "-"');

/** Idempotency keys of the tasks cron schedules fire; a client's key may not start with it. */
export const SCHEDULE_KEY_PREFIX = 'schedule:';

/**
 * A key a client chooses for a submit: a second submit with the same key (per owner) and the same params
 * returns the first task.
 */
const IdempotencyKey = storableText(z.string().min(1).max(200))
  .refine(
    (key) => !key.startsWith(SCHEDULE_KEY_PREFIX),
    `idempotency keys starting with "${SCHEDULE_KEY_PREFIX}" are reserved for the tasks schedules fire`,
  )
  .describe(
    `A second submit with the same key (per owner) and the same params returns the first task. Params are compared as JSON values once the workflow's current defaults are applied (a retry after a deploy that added a default is a 409 too): object key order does not count, array order does. A key held by a task with other params, of another workflow or (submitting into a group) outside it is a 409 CONFLICT naming the key. Keys starting with "${SCHEDULE_KEY_PREFIX}" are reserved.`,
  );

/**
 * The key a task counts under for its workflow's per-key running limit (`concurrency_per_key`): one
 * account, one tenant. Keys are per owner: another caller's tasks never take a key's slots.
 */
export const ConcurrencyKey = storableText(z.string().min(1).max(200)).describe(
  "At most the workflow's concurrency_per_key tasks with the same key (per owner) run at once, across every worker; the others stay queued until a slot frees. A workflow whose current version declares no concurrency_per_key refuses a key (400).",
);

/** The longest relative delay a submit takes: ten years, as far as `run_at` is meant to reach. */
export const MAX_DELAY_SECONDS = 315_360_000;

/** What a client sends to start a task (`POST /tasks`, `tasks.submit`). */
export const SubmitTaskInput = z.strictObject({
  workflow: WorkflowName,
  params: StorableParams.default({}),
  /** The workflow's default priority when absent (`urgent_analysis`: high, `daily_report`: low). */
  priority: Priority.optional(),
  /** The task waits (`blocked`) until all of these have completed. */
  depends_on: z.array(TaskId).max(100).optional(),
  /** The caller's group the task joins; one that was cancelled or has finished takes none (409). */
  group_id: GroupId.optional(),
  /** A second submit with the same key (per owner) and params returns the first task (other params or workflow: 409). */
  idempotency_key: IdempotencyKey.optional(),
  /** Runs at most `concurrency_per_key` (the workflow's) tasks of this key at once; others wait queued. */
  concurrency_key: ConcurrencyKey.optional(),
  /** Retries after the first attempt; the workflow's default when absent. */
  max_retries: z.number().int().min(0).max(50).optional(),
  /**
   * Seconds before a retry; the workflow's default when absent. When the workflow backs off (the default),
   * the n-th retry waits a random time between d * 2^(n-1) and d * 2^n seconds, d this value (at least 1).
   */
  retry_delay: z.number().int().min(0).max(86_400).optional(),
  /** Seconds the run may take (below 24 h); the workflow's default, else the service's TASK_TIMEOUT. */
  timeout_seconds: TimeoutSeconds.optional(),
  /** Start no earlier than this (status `scheduled` until then). */
  run_at: Timestamp.optional(),
  /** Start no earlier than this many seconds after the submit (BullMQ's `delay`); not with `run_at`. */
  delay_seconds: z
    .number()
    .int()
    .min(0)
    .max(MAX_DELAY_SECONDS)
    .optional()
    .describe(
      'Start no earlier than this many seconds after the server stores the submit (status `scheduled` until then), as run_at does with a time; sending both is a 400.',
    ),
});
export type SubmitTaskInput = z.input<typeof SubmitTaskInput>;
export type SubmitTaskRequest = z.output<typeof SubmitTaskInput>;

export const SubmitTaskOutput = z.object({
  task_id: TaskId,
  status: TaskStatus,
  created_at: Timestamp,
  /** True when an earlier task with the same idempotency key (and the same params) was returned. */
  deduplicated: z.boolean(),
});
export type SubmitTaskOutput = z.infer<typeof SubmitTaskOutput>;

export const SubmitManyInput = z.strictObject({
  tasks: z.array(SubmitTaskInput).min(1).max(MAX_TASKS_PER_BATCH),
});
export type SubmitManyInput = z.input<typeof SubmitManyInput>;

export const SubmitManyOutput = z.object({ tasks: z.array(SubmitTaskOutput) });
export type SubmitManyOutput = z.infer<typeof SubmitManyOutput>;

export const TaskIdInput = z.strictObject({ task_id: TaskId });
export type TaskIdInput = z.infer<typeof TaskIdInput>;

export const ArtifactInfo = z.object({
  name: z.string(),
  content_type: z.string(),
  size: z.number().int(),
  created_at: Timestamp,
});
export type ArtifactInfo = z.infer<typeof ArtifactInfo>;

/** A task in lists: everything but params and result. */
export const TaskSummary = z.object({
  task_id: TaskId,
  workflow: z.string(),
  status: TaskStatus,
  priority: Priority,
  progress: z.number().min(0).max(100),
  step: progressText('step'),
  message: progressText('message'),
  /** Seconds left by the run's rate so far: only while running (0 once completed, else null; `etaShown`). */
  eta_seconds: z.number().nullable(),
  attempt: z
    .number()
    .int()
    .describe(
      'Runs of the task so far, from 1: a retry, the run that resumes after a wait and a run put back in the queue by a stopping worker each count one. Only failed runs spend max_retries.',
    ),
  max_retries: z.number().int(),
  group_id: GroupId.nullable(),
  schedule_id: ScheduleId.nullable(),
  /** The key of its workflow's per-key running limit (`concurrency_key` of its submit); null: none. */
  concurrency_key: z.string().nullable(),
  /** The task whose node submitted this one (`runChildren`); null for tasks submitted by a client. */
  parent_task_id: TaskId.nullable(),
  // In .describe() so REST clients read it in openapi.json; the rule is runAtShown (task-state.ts).
  run_at: Timestamp.nullable().describe(
    'When the task becomes runnable, while it has yet to start its next run (pending, blocked, scheduled, queued): the run_at of its submit, or, while a failed attempt waits out its retry backoff, when the retry runs. Null: as soon as a worker is free, and always once the task is running, waiting or finished (started_at says when it ran).',
  ),
  error: TaskErrorView.nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
  /** When the run began: its first attempt (automatic retries keep it); a retry by hand or a redrive restarts it. */
  started_at: Timestamp.nullable(),
  completed_at: Timestamp.nullable(),
});
export type TaskSummary = z.infer<typeof TaskSummary>;

/**
 * Whether a live worker runs the workflow version a task still has to run on: `served`; `awaiting_worker`:
 * the current version, with no live worker yet (the task waits until one starts); `retired`: an older
 * version no live worker runs (the task runs nowhere until `move-tasks` moves it to the current one).
 */
export const VersionState = z.enum(['served', 'awaiting_worker', 'retired']);
export type VersionState = z.infer<typeof VersionState>;

/** One task, as `GET /tasks/{task_id}` answers. */
export const TaskView = TaskSummary.extend({
  /**
   * The registered workflow version its params were validated against; only workers of that version run
   * it (null: submitted before versions were recorded).
   */
  workflow_version: z.string().nullable(),
  version_state: VersionState.nullable().describe(
    'Whether a live worker runs workflow_version, for a task that still has to run (pending, blocked, scheduled, queued, waiting): served; awaiting_worker: the current version, no live worker yet (it waits until one starts); retired: an older version no live worker runs (it runs nowhere until POST /workflows/{name}/versions/{version}/move-tasks moves it). Null for a task that needs no run, or has no recorded version.',
  ),
  params: z.record(z.string(), JsonValue),
  /** The key it was submitted with (null: none); `GET /tasks?idempotency_key=` finds the task by it. */
  idempotency_key: z.string().nullable(),
  result: JsonValue.optional(),
  depends_on: z.array(TaskId),
  timeout_seconds: z.number().int(),
  /**
   * How long the current run (the latest claim: a retry or a resume starts a new one) had lasted when this
   * answer was made, by the server's clock, in seconds; null unless the task is running. A client ticks on
   * from it with its own elapsed time, whatever its clock says.
   */
  run_seconds: z.number().min(0).nullable(),
  metrics: z
    .array(NodeMetric)
    .nullable()
    .describe(
      `Node executions of every run of the task, in the order they ended: the most recent ${NODE_METRICS_KEPT} at most (null: no run has ended yet)`,
    ),
  metrics_omitted: z
    .number()
    .int()
    .min(0)
    .describe(
      'Earlier executions left out of metrics (0: metrics lists them all); metrics_by_node counts them',
    ),
  metrics_by_node: z
    .array(NodeMetricTotals)
    .nullable()
    .describe(
      'Every execution summed per node id, in the order the nodes first ran (null when metrics is); nodes of different nested graphs that share an id share one entry',
    ),
  artifacts: z.array(ArtifactInfo),
  /** What a `waiting` task waits for; null otherwise. */
  wait: TaskWait.nullable(),
});
export type TaskView = z.infer<typeof TaskView>;

export const TaskProgressView = z.object({
  task_id: TaskId,
  status: TaskStatus,
  progress: z.number().min(0).max(100),
  step: progressText('step'),
  message: progressText('message'),
  eta_seconds: z.number().nullable(),
  updated_at: Timestamp,
});
export type TaskProgressView = z.infer<typeof TaskProgressView>;

/**
 * `tasks.result` / `GET /tasks/{task_id}/result`: the task, and optionally the workflow the caller takes it
 * for (a typed client's result type), checked against the task's own.
 */
export const TaskResultInput = TaskIdInput.extend({
  workflow: WorkflowName.describe(
    'The workflow the caller expects the task to be of (its name or an alias); a task of another workflow is a 409 CONFLICT.',
  ).optional(),
});
export type TaskResultInput = z.infer<typeof TaskResultInput>;

export const TaskResultView = z.object({
  task_id: TaskId,
  /** The workflow the task was submitted to (its name then; an alias of the workflow after a rename). */
  workflow: z.string(),
  status: TaskStatus,
  result: JsonValue.optional(),
  error: TaskErrorView.nullable(),
  completed_at: Timestamp.nullable(),
  artifacts: z.array(ArtifactInfo),
});
export type TaskResultView = z.infer<typeof TaskResultView>;

/** The start of a task id, as the lists show it (`0b8f5a0e`) or longer; any letter case. */
export const TaskIdPrefix = z
  .string()
  .max(36)
  .refine(
    isTaskIdPrefix,
    'id_prefix must be the start of a task id: hex digits, with "-" where the id has them (0b8f5a0e-4c2a)',
  )
  .describe('The start of a task id (any letter case): the 8 characters lists show, or more.');

/**
 * The order of `tasks.list`. `newest`: by created_at, newest first. `next_to_run`: one unfinished status by
 * priority (high first), then when each became runnable (its run_at, or its submit when later), then id.
 *
 * Workers take a workflow's due tasks by priority, then by when each was last put in the queue (its submit,
 * or a later requeue below; a retry keeps that time). So for the queued tasks of one workflow the list is
 * the order they start in, except:
 * - a retry (also of a lost worker's task) is listed at its run_at, the end of its backoff, and once that
 *   has passed it starts sooner: ahead of the tasks queued after it was last put in the queue;
 * - a task put in the queue after its submit (released by its dependencies or by its group, resumed after a
 *   wait, given back by a stopping worker, retried by hand, redriven) is listed by its submit, or its run_at
 *   when later, and starts later: behind the tasks queued before that requeue;
 * - a task submitted with a run_at stays `scheduled` until it starts: once due, it is taken among the
 *   queued tasks by its submit, yet listed only under `scheduled` (by its run_at);
 * - the tasks of one submit (a batch, a group) are listed in the order given; they start in it as a rule,
 *   not a guarantee.
 * Each workflow version is a queue of its own, fetched in turn (a concurrency-limited one as its slots free
 * up): across workflows the list is no start order.
 */
export const TASK_LIST_ORDERS = ['newest', 'next_to_run'] as const;
export const TaskListOrder = z
  .enum(TASK_LIST_ORDERS)
  .describe(
    '`newest` first, or `next_to_run`: one unfinished status by priority, then when each became runnable (where workers start tasks in another order: see GET /tasks)',
  );
export type TaskListOrder = z.infer<typeof TaskListOrder>;

/** `next_to_run` orders one unfinished status (the queue's order of them); `newest` any list. */
export function listOrderFitsStatus(input: {
  order?: TaskListOrder | undefined;
  status?: TaskStatus | undefined;
}): boolean {
  return input.order !== 'next_to_run' || (input.status !== undefined && !isTerminalStatus(input.status));
}
export const LIST_ORDER_NEEDS_STATUS =
  'order next_to_run needs status, one of the unfinished ones (queued, scheduled ...)';

export const ListTasksInput = z
  .strictObject({
    status: TaskStatus.optional(),
    workflow: WorkflowName.optional(),
    group_id: GroupId.optional(),
    schedule_id: ScheduleId.optional(),
    /** The child tasks (`runChildren`) of this task. */
    parent_task_id: TaskId.optional(),
    /** Admins only: another owner's tasks. */
    owner: storableText(z.string().max(200)).optional(),
    /** The task submitted with this idempotency key (BullMQ's custom jobId): at most one per owner. */
    idempotency_key: storableText(z.string().min(1).max(200)).optional(),
    /** Only tasks whose id starts with this: resolves a short id (exactly one match) or lists the candidates. */
    id_prefix: TaskIdPrefix.optional(),
    order: TaskListOrder.default('newest'),
    /** Opaque, from `next_cursor` of the previous page (of the same order). */
    cursor: z.string().max(200).optional(),
    limit: z.number().int().min(1).max(200).default(50),
  })
  .refine(listOrderFitsStatus, { path: ['order'], message: LIST_ORDER_NEEDS_STATUS });
export type ListTasksInput = z.input<typeof ListTasksInput>;

export const ListTasksOutput = z.object({
  items: z.array(TaskSummary),
  next_cursor: z.string().nullable(),
});
export type ListTasksOutput = z.infer<typeof ListTasksOutput>;

export const TaskStatusOutput = z.object({ task_id: TaskId, status: TaskStatus });
export type TaskStatusOutput = z.infer<typeof TaskStatusOutput>;

/** `tasks.cancelQueued` / `POST /tasks/cancel-queued` (admins): a workflow's queued tasks, a batch per call. */
export const CancelQueuedInput = z.strictObject({
  workflow: WorkflowName,
  /** At most this many per call (and never more than the server's MAX_BATCH_SIZE); call again for the rest. */
  limit: z.number().int().min(1).optional(),
});
export type CancelQueuedInput = z.input<typeof CancelQueuedInput>;

export const CancelQueuedOutput = z.object({ cancelled: z.number().int(), task_ids: z.array(TaskId) });
export type CancelQueuedOutput = z.infer<typeof CancelQueuedOutput>;
