import { z } from 'zod';
import { TaskId, Timestamp } from './common.ts';
import { TERMINAL_STATUSES } from './statuses.ts';
import { WorkflowName } from './tasks.ts';

/** What removing one finished task answers. */
export const RemoveTaskOutput = z.object({
  task_id: TaskId,
  /** Tasks deleted: the task and its child tasks (at any depth). */
  removed: z.number().int(),
});
export type RemoveTaskOutput = z.infer<typeof RemoveTaskOutput>;

/** A bulk clean of finished tasks (BullMQ's `queue.clean`): the caller's, or every owner's for an admin. */
export const CleanTasksInput = z.strictObject({
  /** Finished statuses to clean; absent: all three. */
  status: z.array(z.enum(TERMINAL_STATUSES)).min(1).optional(),
  /** Only tasks that finished before this time; absent: before now. */
  finished_before: Timestamp.optional(),
  workflow: WorkflowName.optional(),
  /** At most this many per call (and never more than the server's MAX_BATCH_SIZE); `has_more` says if more remain. */
  limit: z.number().int().min(1).optional(),
});
export type CleanTasksInput = z.input<typeof CleanTasksInput>;

export const CleanTasksOutput = z.object({
  /** Tasks deleted, child tasks included. */
  removed: z.number().int(),
  /** The tasks the filter matched and this call removed (their children not listed). */
  task_ids: z.array(TaskId),
  finished_before: Timestamp.describe(
    "The cutoff this call applied: the given `finished_before`, or the database's now (the clock that stamps `completed_at`). Pass it to the next call so a run of calls removes one set, by the database's clock alone.",
  ),
  has_more: z
    .boolean()
    .describe(
      "True when tasks of the filter remain that can be removed now (past this call's limit): call again for them. Child tasks (they go with their parent) and tasks something unfinished still reads (a dependent, its group) stay and do not count.",
    ),
});
export type CleanTasksOutput = z.infer<typeof CleanTasksOutput>;
