import type { ScheduleSkip } from '@kaygraph/contracts';

/** An occurrence older than this when a pass sees it (no worker was running) is skipped, not fired late. */
export const MISSED_AFTER_MS = 5 * 60_000;

/** A due occurrence that created no task, with why: what the schedule shows as its `last_error`. */
export interface SkippedOccurrence {
  id: string;
  error: ScheduleSkip;
}

/** Records why the occurrence `at` of schedule `id` created no task, judged by the pass at `now`. */
export function skippedOccurrence(
  id: string,
  at: Date,
  now: Date,
  refusal: { code: string; message: string },
): SkippedOccurrence {
  return {
    id,
    error: {
      occurrence_at: at.toISOString(),
      skipped_at: now.toISOString(),
      code: refusal.code,
      message: refusal.message,
    },
  };
}

/** Why an occurrence no pass saw in time created no task. */
export const MISSED = {
  code: 'MISSED',
  message: `no firing pass ran within ${MISSED_AFTER_MS / 60_000} minutes of the occurrence (no worker was running); it was skipped, not fired late`,
};

/** Why an occurrence past the owner's queue room created no task. */
export function queueFull(maxQueueSize: number): { code: string; message: string } {
  return {
    code: 'QUEUE_FULL',
    message: `queue full: the owner had ${maxQueueSize} unfinished tasks, at most MAX_QUEUE_SIZE; the occurrence was skipped`,
  };
}
