import { z } from 'zod';
import { GroupId, JsonValue, storableText, TaskId, TaskStatus, Timestamp } from './common.ts';
import { TaskErrorView } from './errors.ts';
import { TaskEvent } from './events.ts';
import { MAX_TASKS_PER_BATCH, SubmitTaskInput, SubmitTaskOutput } from './tasks.ts';

/**
 * Where a group stands, from its tasks: `pending` (no tasks yet, or all held until `execute`), `running` (some task unfinished),
 * `completed` (all completed), `failed` (none completed), `partially_failed` (some completed, some
 * failed or cancelled), `cancelled` (the group was cancelled).
 */
export const GROUP_STATUSES = [
  'pending',
  'running',
  'completed',
  'failed',
  'partially_failed',
  'cancelled',
] as const;
export const GroupStatus = z.enum(GROUP_STATUSES);
export type GroupStatus = z.infer<typeof GroupStatus>;

export function isTerminalGroupStatus(status: GroupStatus): boolean {
  return status !== 'pending' && status !== 'running';
}

/** A task created with its group: a submit without `group_id` (the group is the one being created). */
export const GroupTaskInput = SubmitTaskInput.omit({ group_id: true });
export type GroupTaskInput = z.input<typeof GroupTaskInput>;

/** `groups.create` / `POST /groups`: the group and its tasks, created atomically. */
export const CreateGroupInput = z.strictObject({
  name: storableText(z.string().trim().min(1, 'name is required').max(200)),
  tasks: z.array(GroupTaskInput).max(MAX_TASKS_PER_BATCH).default([]),
});
export type CreateGroupInput = z.input<typeof CreateGroupInput>;

export const CreateGroupOutput = z.object({
  group_id: GroupId,
  name: z.string(),
  created_at: Timestamp,
  tasks: z.array(SubmitTaskOutput),
});
export type CreateGroupOutput = z.infer<typeof CreateGroupOutput>;

export const GroupIdInput = z.strictObject({ group_id: GroupId });
export type GroupIdInput = z.infer<typeof GroupIdInput>;

/**
 * `groups.addTasks` / `POST /groups/{group_id}/tasks`: tasks that join the group held (status `pending`,
 * not run) until `groups.execute`. They count against the owner's queue size from now.
 */
export const AddGroupTasksInput = z.strictObject({
  group_id: GroupId,
  tasks: z.array(GroupTaskInput).min(1, 'tasks must not be empty').max(MAX_TASKS_PER_BATCH),
});
export type AddGroupTasksInput = z.input<typeof AddGroupTasksInput>;

export const AddGroupTasksOutput = z.object({ group_id: GroupId, tasks: z.array(SubmitTaskOutput) });
export type AddGroupTasksOutput = z.infer<typeof AddGroupTasksOutput>;

/** Tasks of a group per status (every status present, 0 when none). */
export const GroupStatusCounts = z.object({
  pending: z.number().int(),
  blocked: z.number().int(),
  scheduled: z.number().int(),
  queued: z.number().int(),
  running: z.number().int(),
  waiting: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
});
export type GroupStatusCounts = z.infer<typeof GroupStatusCounts>;

/** A group in lists and events: counts, aggregate progress (finished tasks count as 100) and status. */
export const GroupSummary = z.object({
  group_id: GroupId,
  name: z.string(),
  status: GroupStatus,
  total: z.number().int(),
  counts: GroupStatusCounts,
  progress: z.number().min(0).max(100),
  created_at: Timestamp,
  cancelled_at: Timestamp.nullable(),
  /** When the last task finished (null while any runs, or with no tasks). */
  completed_at: Timestamp.nullable(),
});
export type GroupSummary = z.infer<typeof GroupSummary>;

/** One task of a group, with its result once completed. */
export const GroupTaskView = z.object({
  task_id: TaskId,
  workflow: z.string(),
  status: TaskStatus,
  progress: z.number().min(0).max(100),
  result: JsonValue.optional(),
  error: TaskErrorView.nullable(),
});
export type GroupTaskView = z.infer<typeof GroupTaskView>;

/**
 * The results a page of a group's tasks carries, as JSON bytes: a page ends before the task whose result would
 * take it past this, so an answer holds this much, or one task's result when that alone is larger.
 */
export const GROUP_PAGE_RESULT_BYTES = 8 * 1024 * 1024;

/** The most tasks a page of a group carries (and the default: a group of small results comes whole). */
export const MAX_GROUP_PAGE_TASKS = 1000;

/**
 * `groups.get` / `GET /groups/{group_id}`: the group, and a page of its tasks from `tasks_cursor` (the
 * previous page's `tasks_next_cursor`; none: the first).
 */
export const GetGroupInput = z.strictObject({
  group_id: GroupId,
  tasks_cursor: z.string().max(200).optional(),
  tasks_limit: z.number().int().min(1).max(MAX_GROUP_PAGE_TASKS).default(MAX_GROUP_PAGE_TASKS),
});
export type GetGroupInput = z.input<typeof GetGroupInput>;

/**
 * `GET /groups/{group_id}`: the summary (over every task) and a page of its tasks in creation order with
 * their results: at most `tasks_limit` tasks and GROUP_PAGE_RESULT_BYTES of results (at least one task).
 * `tasks_next_cursor` is null on the last page; otherwise pass it as `tasks_cursor` for the next.
 */
export const GroupView = GroupSummary.extend({
  tasks: z.array(GroupTaskView),
  tasks_next_cursor: z.string().nullable(),
});
export type GroupView = z.infer<typeof GroupView>;

export const ListGroupsInput = z.strictObject({
  cursor: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
export type ListGroupsInput = z.input<typeof ListGroupsInput>;

export const ListGroupsOutput = z.object({
  items: z.array(GroupSummary),
  next_cursor: z.string().nullable(),
});
export type ListGroupsOutput = z.infer<typeof ListGroupsOutput>;

/** `groups.execute` / `POST /groups/{group_id}/execute`: the held tasks it released to run. */
export const ExecuteGroupOutput = z.object({
  group_id: GroupId,
  status: GroupStatus,
  released: z.number().int(),
});
export type ExecuteGroupOutput = z.infer<typeof ExecuteGroupOutput>;

export const CancelGroupOutput = z.object({
  group_id: GroupId,
  status: GroupStatus,
  /** Tasks this call cancelled (unfinished ones). */
  cancelled: z.number().int(),
});
export type CancelGroupOutput = z.infer<typeof CancelGroupOutput>;

/**
 * What a group subscription (`groups.events`, `GET /groups/{group_id}/stream`) sends: the group summary
 * first and after changes, and every event of its tasks (each a TaskEvent of TASK_EVENT_TYPES, `log`
 * included: a log says why a wait ended by its timer). It ends after the summary that shows a finished group.
 */
export const GroupEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('group'), group: GroupSummary }),
  z.object({ type: z.literal('task'), group_id: GroupId, event: TaskEvent }),
]);
export type GroupEvent = z.infer<typeof GroupEvent>;

/** `lastEventId` is accepted (EventSource and tRPC send it on reconnect); a reconnect starts from a fresh summary. */
export const GroupEventsInput = z.strictObject({
  group_id: GroupId,
  lastEventId: z.string().max(100).nullish(),
});
export type GroupEventsInput = z.infer<typeof GroupEventsInput>;
