import { DomainError, type Priority } from '@kaygraph/contracts';
import { schedules } from '@kaygraph/db';
import { sql } from 'drizzle-orm';
import type { Job } from 'pg-boss';
import type { Logger } from 'pino';
import type { TaskContext } from '../service/context.ts';
import { submitTasks } from '../service/submit.ts';
import { ensureScheduleQueue, SCHEDULES_QUEUE, type ScheduleJobData } from './schedule-queue.ts';

export interface ScheduleFiring {
  stop(): Promise<void>;
}

/** Errors that a retry would not fix: the occurrence is skipped (and logged), not retried. */
const SKIP_CODES = new Set(['QUEUE_FULL', 'BAD_REQUEST', 'INVALID_PARAMS', 'NOT_FOUND', 'RATE_LIMITED']);

/**
 * The worker side of cron schedules: takes the jobs pg-boss' cron pass sent to the `schedules` queue (one
 * per occurrence per cluster) and turns each into an ordinary task of the schedule's owner, with its
 * `schedule_id`. The task's idempotency key is the firing job's id, so a handler retried after a crash
 * cannot create a second task for the same occurrence. A schedule paused or deleted since the occurrence
 * fires nothing.
 */
export async function startScheduleFiring(ctx: TaskContext, logger: Logger): Promise<ScheduleFiring> {
  await ensureScheduleQueue(ctx.boss);
  const workerId = await ctx.boss.work<ScheduleJobData>(
    SCHEDULES_QUEUE,
    { batchSize: 5, pollingIntervalSeconds: 2 },
    async (jobs) => {
      for (const job of jobs) await fire(ctx, logger, job);
    },
  );
  return { stop: () => ctx.boss.offWork(SCHEDULES_QUEUE, { id: workerId, wait: true }) };
}

async function fire(ctx: TaskContext, logger: Logger, job: Job<ScheduleJobData>): Promise<void> {
  const scheduleId = job.data?.schedule_id;
  if (typeof scheduleId !== 'string') return;
  const [schedule] = await ctx.db.select().from(schedules).where(sql`${schedules.id} = ${scheduleId}`);
  if (!schedule?.enabled) {
    logger.info({ scheduleId }, 'schedule paused or deleted since its occurrence: nothing fired');
    return;
  }
  try {
    const [task] = await ctx.db.transaction(async (tx) => {
      const submitted = await submitTasks(
        ctx,
        { owner: schedule.owner, admin: false },
        [
          {
            workflow: schedule.workflow,
            params: (schedule.params ?? {}) as Record<string, unknown>,
            priority: schedule.priority as Priority,
            idempotency_key: `schedule:${schedule.id}:${job.id}`,
          },
        ],
        { tx, scheduleId: schedule.id },
      );
      await tx.update(schedules).set({ lastRunAt: sql`now()` }).where(sql`${schedules.id} = ${schedule.id}`);
      return submitted;
    });
    logger.info({ scheduleId, taskId: task?.task_id }, 'schedule fired');
  } catch (error) {
    if (error instanceof DomainError && SKIP_CODES.has(error.code)) {
      logger.warn({ scheduleId, code: error.code, err: error }, 'schedule occurrence skipped');
      return;
    }
    throw error;
  }
}
