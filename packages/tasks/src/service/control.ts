import { randomUUID } from 'node:crypto';
import {
  DomainError,
  isTerminalStatus,
  type Priority,
  type TaskError,
  type TaskStatus,
  type TaskStatusOutput,
} from '@kaygraph/contracts';
import { tasks } from '@kaygraph/db';
import { eq, sql } from 'drizzle-orm';
import type { Caller } from '../catalog.ts';
import type { Transaction } from '../db.ts';
import { appendEvents } from '../events/append-events.ts';
import { statusEvent } from '../events/task-event.ts';
import { settleDependents } from '../orchestration/dependencies.ts';
import { reblockDependents, retryStatusOf } from '../orchestration/retry-dependencies.ts';
import { bossTx } from '../queue/boss-tx.ts';
import { cancelWaitingJobs } from '../queue/cancel-waiting-jobs.ts';
import { jobInsertFor } from '../queue/job-options.ts';
import { workflowQueue } from '../queue/names.ts';
import { runTransaction } from '../transaction.ts';
import type { TaskContext } from './context.ts';
import type { TaskRow } from './task-views.ts';
import { notFound } from './visibility.ts';

export const TASK_CANCEL_CHANNEL = 'task_cancel';

async function lockVisibleTask(tx: Transaction, caller: Caller, taskId: string): Promise<TaskRow> {
  if (!/^[0-9a-f-]{36}$/i.test(taskId)) throw notFound(taskId);
  const [row] = await tx.select().from(tasks).where(eq(tasks.id, taskId)).for('update').limit(1);
  if (!row || (!caller.admin && row.owner !== caller.owner)) throw notFound(taskId);
  return row;
}

/**
 * Cancels a task that has not finished. A running one is told through `pg_notify('task_cancel')`, which
 * every worker LISTENs to: its graph stops at the next node boundary (or sooner where a node honours the
 * signal), its later writes are fenced off by the status set here, and its worker settles the job. The
 * status, the event and the notification commit together; a waiting task's job is cancelled in pg-boss
 * right after that commit (never while this transaction holds the task row: a worker fetching the job
 * locks the job row first, then the task row).
 */
export async function cancelTask(
  ctx: TaskContext,
  caller: Caller,
  taskId: string,
): Promise<TaskStatusOutput> {
  const waitingJob = await runTransaction(ctx.db, async (tx) => {
    const row = await lockVisibleTask(tx, caller, taskId);
    const status = row.status as TaskStatus;
    if (isTerminalStatus(status)) {
      throw new DomainError('CONFLICT', `task ${taskId} is already ${status}`);
    }
    const error: TaskError = { code: 'CANCELLED', message: 'cancelled on request', attempt: row.attempt };
    await tx
      .update(tasks)
      .set({
        status: 'cancelled',
        error,
        completedAt: sql`now()`,
        updatedAt: sql`clock_timestamp()`,
        expiresAt: sql`now() + make_interval(secs => ${ctx.resultTtlSeconds})`,
      })
      .where(eq(tasks.id, taskId));
    await appendEvents(tx, [statusEvent(taskId, 'cancelled', row.attempt, error)]);
    if (status === 'running') await tx.execute(sql`select pg_notify(${TASK_CANCEL_CHANNEL}, ${taskId})`);
    // Tasks waiting for this one fail with DEPENDENCY_FAILED (transitively).
    await settleDependents(ctx, tx, [{ taskId, status: 'cancelled' }]);
    return row.jobId && status !== 'running' && status !== 'blocked'
      ? { workflow: row.workflow, jobId: row.jobId }
      : undefined;
  });
  if (waitingJob) await cancelWaitingJobs(ctx.boss, ctx.logger, [waitingJob]);
  return { task_id: taskId, status: 'cancelled' };
}

/**
 * Runs a failed or cancelled task again as a new pg-boss job with the task's full retry budget. The
 * checkpoint is kept, so the new attempt resumes after the last completed node.
 */
export async function retryTask(ctx: TaskContext, caller: Caller, taskId: string): Promise<TaskStatusOutput> {
  return runTransaction(ctx.db, async (tx) => {
    const row = await lockVisibleTask(tx, caller, taskId);
    if (row.status !== 'failed' && row.status !== 'cancelled') {
      throw new DomainError(
        'CONFLICT',
        `only failed or cancelled tasks can be retried; task ${taskId} is ${row.status}`,
      );
    }
    if (!ctx.catalog.get(row.workflow)) {
      throw new DomainError(
        'CONFLICT',
        `workflow "${row.workflow}" of task ${taskId} is no longer available`,
      );
    }
    // Chaining: blocked again while dependencies run; CONFLICT when one of them failed.
    const status = await retryStatusOf(tx, taskId, row.dependsOn);
    const jobId = randomUUID();
    await tx
      .update(tasks)
      .set({
        status,
        error: null,
        jobId,
        completedAt: null,
        expiresAt: null,
        updatedAt: sql`clock_timestamp()`,
      })
      .where(eq(tasks.id, taskId));
    await appendEvents(tx, [statusEvent(taskId, status, row.attempt)]);
    // Dependents that failed because this task did wait for it again.
    await reblockDependents(tx, [taskId]);
    if (status === 'blocked') return { task_id: taskId, status };
    const job = jobInsertFor(
      {
        jobId,
        taskId,
        priority: row.priority as Priority,
        retryLimit: row.maxRetries,
        retryDelaySeconds: row.retryDelaySeconds,
        retryBackoff: row.retryBackoff,
        timeoutSeconds: row.timeoutSeconds,
        startAfter: null,
      },
      ctx.tuning,
    );
    await ctx.boss.insert(workflowQueue(row.workflow), [job], { db: bossTx(tx) });
    return { task_id: taskId, status: 'queued' };
  });
}
