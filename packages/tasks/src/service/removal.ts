import {
  CleanTasksInput,
  type CleanTasksOutput,
  DomainError,
  isTerminalStatus,
  type RemoveTaskOutput,
  type TaskStatus,
  TERMINAL_STATUSES,
} from '@kaygraph/contracts';
import { type Caller, listedOwner } from '../caller.ts';
import type { TaskContext } from '../context.ts';
import type { Transaction } from '../db.ts';
import { databaseNow } from '../store/clock.ts';
import { deleteTasks, lockIfRemovable, lockRemovableTasks } from '../store/removal.ts';
import { runTransaction } from '../transaction.ts';
import { loadVisibleTask } from '../visibility.ts';
import { storedWorkflowNames } from './workflow-match.ts';

/**
 * Deletes the tasks (with their children) and the pg-boss jobs of those that were dead letters: the ids
 * deleted, children included (a task no longer removable once locked is left).
 */
async function deleteWithDeadLetterJobs(
  ctx: TaskContext,
  tx: Transaction,
  taskIds: readonly string[],
): Promise<string[]> {
  const deleted = await deleteTasks(tx, taskIds);
  await ctx.queue.deleteDeadLetters(tx, deleted.deadLettered);
  return deleted.taskIds;
}

/**
 * Removes a finished task now instead of at its RESULT_TTL (BullMQ: `job.remove()`): the row, its child
 * tasks, events, artifacts and dead-letter entry. 409 naming the status when it has not finished, for a
 * child task (it goes with its parent), and while something unfinished still reads it (a task that depends
 * on it, its group).
 */
export async function removeTask(
  ctx: TaskContext,
  caller: Caller,
  taskId: string,
): Promise<RemoveTaskOutput> {
  return runTransaction(ctx.db, async (tx) => {
    const row = await loadVisibleTask(tx, caller, taskId);
    if (!isTerminalStatus(row.status as TaskStatus)) {
      throw new DomainError(
        'CONFLICT',
        `only finished tasks (completed, failed, cancelled) can be removed; task ${taskId} is ${row.status}`,
      );
    }
    const stillRead = () =>
      new DomainError(
        'CONFLICT',
        row.parentTaskId === null
          ? `task ${taskId} is still read by unfinished tasks (a task that depends on it, or its group's): remove it once they finished`
          : `task ${taskId} is a child of task ${row.parentTaskId}: it is removed with its parent`,
      );
    if (!(await lockIfRemovable(tx, taskId))) throw stillRead();
    const removed = (await deleteWithDeadLetterJobs(ctx, tx, [taskId])).length;
    if (removed === 0) throw stillRead();
    return { task_id: taskId, removed };
  });
}

/**
 * Removes finished tasks the caller may see (an admin: every owner's) by status, finish time and workflow,
 * oldest finish first, at most `limit` and MAX_BATCH_SIZE per call (BullMQ: `queue.clean`). Tasks that
 * `removeTask` would refuse stay and are not counted; `has_more` says whether removable ones remain. The
 * cutoff (default: the database's now) is returned as `finished_before`.
 */
export async function cleanTasks(
  ctx: TaskContext,
  caller: Caller,
  raw: CleanTasksInput,
): Promise<CleanTasksOutput> {
  const parsed = CleanTasksInput.safeParse(raw);
  if (!parsed.success) throw DomainError.invalidInput('invalid clean', parsed.error);
  const input = parsed.data;
  const limit = Math.min(input.limit ?? ctx.maxBatchSize, ctx.maxBatchSize);
  const workflows =
    input.workflow === undefined ? undefined : await storedWorkflowNames(ctx.workflows, input.workflow);
  return runTransaction(ctx.db, async (tx) => {
    // By default the database's now (the clock that stamped `completed_at`), never the api host's.
    const finishedBefore = input.finished_before ? new Date(input.finished_before) : await databaseNow(tx);
    const filter = {
      owner: listedOwner(caller),
      statuses: input.status ?? TERMINAL_STATUSES,
      finishedBefore,
      workflows,
    };
    // One more than the page: whether removable tasks remain past it.
    const locked = await lockRemovableTasks(tx, filter, limit + 1);
    const taskIds = locked.slice(0, limit);
    const deleted = await deleteWithDeadLetterJobs(ctx, tx, taskIds);
    const gone = new Set(deleted);
    return {
      removed: deleted.length,
      task_ids: taskIds.filter((id) => gone.has(id)),
      has_more: locked.length > limit,
      finished_before: finishedBefore.toISOString(),
    };
  });
}
