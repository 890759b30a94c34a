import type { TaskContext } from '../context.ts';
import { settleDependents } from '../store/dependencies.ts';
import { lockSilentTasks, markLost, markRequeued, type SilentTask } from '../store/maintenance.ts';

/**
 * Tasks whose worker died: pg-boss fails a job whose heartbeat lapsed, but only our runtime writes task
 * rows. A running task without a recent heartbeat is looked up in pg-boss (its public `findJobs`): a job
 * waiting for its retry shows the task `queued` again; a job that failed for good (dead-lettered) fails the
 * task with WORKER_LOST. Runs inside the maintenance pass (once per cluster). Returns the tasks changed.
 */
export async function reconcileLostTasks(ctx: TaskContext): Promise<number> {
  return ctx.db.transaction(async (tx) => {
    const silent = await lockSilentTasks(tx, ctx.tuning.heartbeatSeconds);
    const requeued: SilentTask[] = [];
    const lost: SilentTask[] = [];
    for (const task of silent) {
      const state = await ctx.queue.jobState(task.workflow, task.jobId);
      if (state === 'waiting') requeued.push(task);
      else if (state === 'failed' || state === 'missing') lost.push(task);
    }
    await markRequeued(tx, requeued);
    await markLost(tx, lost, ctx.resultTtlSeconds);
    await settleDependents(
      ctx,
      tx,
      lost.map((task) => ({ taskId: task.id, status: 'failed' as const })),
    );
    return requeued.length + lost.length;
  });
}
