import { z } from 'zod';
import { GroupId, Priority, ScheduleId, TaskId, TaskStatus, Timestamp } from './common.ts';
import { TaskErrorView } from './errors.ts';
import { WorkflowName } from './tasks.ts';

/** One failed attempt of a failed task, from its status events. */
export const DeadLetterAttempt = z.object({
  attempt: z.number().int(),
  error: TaskErrorView.nullable(),
  at: Timestamp,
});
export type DeadLetterAttempt = z.infer<typeof DeadLetterAttempt>;

/**
 * A failed task in the dead-letter list (whatever failed it: retries ran out, a non-retriable error, a lost
 * worker, a failed dependency): its last error (the reason) and the history of its attempts.
 * `dead_lettered_at`: when it failed. Without params, as `TaskSummary` in task lists: one task's params are
 * `GET /tasks/{task_id}`'s.
 */
export const DeadLetterSummary = z.object({
  task_id: TaskId,
  workflow: z.string(),
  priority: Priority,
  status: TaskStatus,
  attempt: z.number().int(),
  max_retries: z.number().int(),
  error: TaskErrorView.nullable(),
  attempts: z.array(DeadLetterAttempt),
  group_id: GroupId.nullable(),
  schedule_id: ScheduleId.nullable(),
  created_at: Timestamp,
  failed_at: Timestamp.nullable(),
  dead_lettered_at: Timestamp,
});
export type DeadLetterSummary = z.infer<typeof DeadLetterSummary>;

export const ListDeadLettersInput = z.strictObject({
  workflow: WorkflowName.optional(),
  cursor: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
export type ListDeadLettersInput = z.input<typeof ListDeadLettersInput>;

export const ListDeadLettersOutput = z.object({
  items: z.array(DeadLetterSummary),
  next_cursor: z.string().nullable(),
});
export type ListDeadLettersOutput = z.infer<typeof ListDeadLettersOutput>;

export const DeadLetterTaskInput = z.strictObject({ task_id: TaskId });
export type DeadLetterTaskInput = z.infer<typeof DeadLetterTaskInput>;

export const RedriveAllInput = z.strictObject({
  workflow: WorkflowName.optional(),
  /** At most this many per call (and never more than the server's MAX_BATCH_SIZE); `has_more` says if more remain. */
  limit: z.number().int().min(1).optional(),
});
export type RedriveAllInput = z.input<typeof RedriveAllInput>;

export const RedriveOutput = z.object({ task_id: TaskId, status: TaskStatus });
export type RedriveOutput = z.infer<typeof RedriveOutput>;

export const RedriveAllOutput = z.object({
  redriven: z.number().int(),
  task_ids: z.array(TaskId),
  has_more: z
    .boolean()
    .describe(
      'True when dead letters of the filter that can run again remain after this call (past its limit): call again for them. Those that cannot run (a failed dependency, a workflow no worker registers, a child task its parent no longer waits for) stay listed and do not count. A redriven task that fails again is a dead letter again, and counts.',
    ),
});
export type RedriveAllOutput = z.infer<typeof RedriveAllOutput>;

export const PurgeDeadLetterOutput = z.object({ task_id: TaskId, purged: z.boolean() });
export type PurgeDeadLetterOutput = z.infer<typeof PurgeDeadLetterOutput>;
