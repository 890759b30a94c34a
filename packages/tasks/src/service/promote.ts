import { DomainError, type TaskStatusOutput } from '@kaygraph/contracts';
import type { Caller } from '../caller.ts';
import type { TaskContext } from '../context.ts';
import { lockTasks } from '../store/control.ts';
import { promoteScheduledTask } from '../store/promote.ts';
import { runTransaction } from '../transaction.ts';
import { loadVisibleTask } from '../visibility.ts';
import { cancelWaitingJobs } from './control.ts';

/**
 * Runs a delayed task (`scheduled`, submitted with a `run_at` not yet reached) now: it becomes `queued` and
 * is taken in its turn like a task submitted without `run_at`. Any other status is a 409 naming it.
 */
export async function promoteTask(
  ctx: TaskContext,
  caller: Caller,
  taskId: string,
): Promise<TaskStatusOutput> {
  const promotion = await runTransaction(ctx.db, async (tx) => {
    await lockTasks(tx, [taskId]);
    const row = await loadVisibleTask(tx, caller, taskId);
    const promoted = await promoteScheduledTask(tx, taskId);
    if (!promoted) {
      throw new DomainError(
        'CONFLICT',
        `only scheduled tasks (waiting for their run_at) can be run now; task ${taskId} is ${row.status}`,
      );
    }
    await ctx.queue.insert(tx, [promoted.job]);
    return { ...promoted, workflow: row.workflow, version: row.workflowVersion };
  });
  if (promotion.replacedJobId) {
    await cancelWaitingJobs(ctx, [
      { workflow: promotion.workflow, version: promotion.version, jobId: promotion.replacedJobId },
    ]);
  }
  return { task_id: taskId, status: 'queued' };
}
