import {
  type CancelQueuedOutput,
  DomainError,
  isTerminalStatus,
  type TaskStatus,
  type TaskStatusOutput,
} from '@kaygraph/contracts';
import type { Caller } from '../caller.ts';
import type { TaskContext } from '../context.ts';
import { childParents } from '../store/children.ts';
import {
  cancelTasks,
  lockTasksWithParents,
  queuedTaskIds,
  requeueTasks,
  type WaitingJob,
} from '../store/control.ts';
import { lockDependencies, reblockDependents } from '../store/dependencies.ts';
import { reserveQueueRoom } from '../store/owner-queue.ts';
import { retryStatus } from '../submit/dependency-states.ts';
import { runTransaction } from '../transaction.ts';
import { loadVisibleTask } from '../visibility.ts';
import { childRetryConflict } from './child-retry.ts';
import { storedWorkflowNames } from './workflow-match.ts';

/**
 * Cancels a task that has not finished. A running one is told through `task_cancel`: its graph stops at
 * the next node boundary, its later writes are fenced off by the status, and its worker settles the job.
 * A waiting task's job is cancelled in pg-boss right after the commit.
 */
export async function cancelTask(
  ctx: TaskContext,
  caller: Caller,
  taskId: string,
): Promise<TaskStatusOutput> {
  const cancelled = await runTransaction(ctx.db, async (tx) => {
    // A plain read: cancelTasks locks the task with its family in id order (the lock order).
    const row = await loadVisibleTask(tx, caller, taskId);
    const alreadyOver = (status: string) =>
      new DomainError('CONFLICT', `task ${taskId} is already ${status}`);
    if (isTerminalStatus(row.status as TaskStatus)) throw alreadyOver(row.status);
    const result = await cancelTasks(ctx, tx, { taskId }, 'cancelled on request');
    // It finished between the read and the lock.
    if (!result.ids.includes(taskId)) throw alreadyOver((await loadVisibleTask(tx, caller, taskId)).status);
    return result;
  });
  await cancelWaitingJobs(ctx, cancelled.waitingJobs);
  return { task_id: taskId, status: 'cancelled' };
}

/**
 * Admins: cancels a workflow's queued tasks (every owner's), oldest first, at most `limit` and
 * `maxBatchSize` (MAX_BATCH_SIZE) per call: call again until one cancels none. A task that left the queue
 * meanwhile (a worker took it) is left alone.
 */
export async function cancelQueuedTasks(
  ctx: TaskContext,
  caller: Caller,
  input: { workflow: string; limit?: number | undefined },
): Promise<CancelQueuedOutput> {
  if (!caller.admin)
    throw new DomainError('FORBIDDEN', "cancelling a workflow's queued tasks needs an admin key");
  const limit = Math.min(input.limit ?? ctx.maxBatchSize, ctx.maxBatchSize);
  const workflows = await storedWorkflowNames(ctx.workflows, input.workflow);
  const cancelled = await runTransaction(ctx.db, async (tx) => {
    const taskIds = await queuedTaskIds(tx, workflows, limit);
    if (taskIds.length === 0) return { ids: [], waitingJobs: [] };
    return cancelTasks(
      ctx,
      tx,
      { taskIds, status: 'queued' },
      'cancelled with the queued tasks of its workflow',
    );
  });
  await cancelWaitingJobs(ctx, cancelled.waitingJobs);
  return { cancelled: cancelled.ids.length, task_ids: cancelled.ids };
}

/** Cancels the pg-boss jobs of cancelled waiting tasks; a failure is harmless (a worker settles them). */
export async function cancelWaitingJobs(ctx: TaskContext, jobs: readonly WaitingJob[]): Promise<void> {
  if (jobs.length === 0) return;
  await ctx.queue.cancelWaiting(jobs).catch((error: unknown) => {
    ctx.logger.warn({ err: error }, 'cancelling the jobs of cancelled tasks failed');
  });
}

/**
 * Runs a failed or cancelled task again with its full retry budget, resuming from its checkpoint, without
 * the signals kept for its last run. It counts against the owner's `max_queue_size` like a submit. A
 * child task runs again only while its parent waits for it (service/child-retry.ts).
 */
export async function retryTask(ctx: TaskContext, caller: Caller, taskId: string): Promise<TaskStatusOutput> {
  const { owner } = await loadVisibleTask(ctx.db, caller, taskId);
  return runTransaction(ctx.db, async (tx) => {
    // Lock order: the owner's queue lock, then the task row (with its parent, in id order).
    await reserveQueueRoom(tx, owner, 1, ctx.maxQueueSize);
    await lockTasksWithParents(tx, [taskId]);
    const row = await loadVisibleTask(tx, caller, taskId);
    if (row.status !== 'failed' && row.status !== 'cancelled') {
      throw new DomainError(
        'CONFLICT',
        `only failed or cancelled tasks can be retried; task ${taskId} is ${row.status}`,
      );
    }
    const childConflict = childRetryConflict(taskId, (await childParents(tx, [taskId])).get(taskId));
    if (childConflict) throw childConflict;
    // It runs again on the version it was validated against (its queue); the workflow must still be known.
    if (!(await ctx.workflows.resolve([row.workflow], tx)).has(row.workflow)) {
      throw new DomainError(
        'CONFLICT',
        `workflow "${row.workflow}" of task ${taskId} is no longer available`,
      );
    }
    // Chaining: blocked again while dependencies run; CONFLICT when one of them failed.
    const status = retryStatus(taskId, row.dependsOn, await lockDependencies(tx, row.dependsOn));
    const jobs = await requeueTasks(tx, [{ taskId, status }]);
    // Dependents that failed because this task did wait for it again.
    await reblockDependents(tx, [taskId]);
    await ctx.queue.insert(tx, jobs);
    return { task_id: taskId, status };
  });
}
