import type { PgBoss } from 'pg-boss';

/**
 * The pg-boss queue cron schedules fire into: pg-boss' cron pass (one instance per cluster per interval,
 * each occurrence filed under a singleton slot) sends one job per occurrence, carrying the schedule id;
 * a worker turns it into an ordinary task. No `wf.` prefix, so no workflow queue can collide with it.
 */
export const SCHEDULES_QUEUE = 'schedules';

/** What a firing job carries. */
export interface ScheduleJobData {
  schedule_id: string;
}

export async function ensureScheduleQueue(boss: PgBoss): Promise<void> {
  if (await boss.getQueue(SCHEDULES_QUEUE)) return;
  await boss.createQueue(SCHEDULES_QUEUE, {
    notify: true,
    retryLimit: 3,
    retryDelay: 5,
    expireInSeconds: 300,
    deleteAfterSeconds: 3600,
  });
}
