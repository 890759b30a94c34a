import { DomainError, type Priority } from '@kaygraph/contracts';
import type { Logger } from 'pino';
import type { TaskContext } from '../context.ts';
import { submitTasks } from '../service/submit.ts';
import { loadSchedule, markScheduleFired } from '../store/schedules.ts';

export interface ScheduleFiring {
  stop(): Promise<void>;
}

/** Errors that a retry would not fix: the occurrence is skipped (and logged), not retried. */
const SKIP_CODES = new Set(['QUEUE_FULL', 'BAD_REQUEST', 'INVALID_PARAMS', 'NOT_FOUND', 'RATE_LIMITED']);

/**
 * The worker side of cron schedules: turns each occurrence pg-boss' cron pass filed (one per occurrence
 * per cluster) into an ordinary task of the schedule's owner, with its `schedule_id`. The task's
 * idempotency key is the occurrence's job id, so a handler retried after a crash cannot create a second
 * task for the same occurrence. A schedule paused or deleted since the occurrence fires nothing.
 */
export async function startScheduleFiring(ctx: TaskContext, logger: Logger): Promise<ScheduleFiring> {
  const stop = await ctx.queue.workSchedules((occurrence) => fire(ctx, logger, occurrence));
  return { stop };
}

async function fire(
  ctx: TaskContext,
  logger: Logger,
  occurrence: { jobId: string; scheduleId: string },
): Promise<void> {
  const { scheduleId } = occurrence;
  const schedule = await loadSchedule(ctx.db, scheduleId);
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
            idempotency_key: `schedule:${schedule.id}:${occurrence.jobId}`,
          },
        ],
        { tx, scheduleId: schedule.id },
      );
      await markScheduleFired(tx, schedule.id);
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
