/**
 * Queue knobs that are not per-workflow. The defaults are what the lifecycle needs: a killed worker's
 * job fails its heartbeat after `heartbeatSeconds` (the pg-boss minimum is 10) and is retried on the next
 * supervise pass; finished pg-boss rows go quickly, since our own `tasks` table is the record.
 */
export interface QueueTuning {
  heartbeatSeconds: number;
  /** Seconds a task that ignores abort (cancel, timeout, shutdown) gets before its thread is terminated. */
  abortGraceSeconds: number;
  completedJobRetentionSeconds: number;
  deadLetterRetentionSeconds: number;
}

export const DEFAULT_QUEUE_TUNING: QueueTuning = {
  heartbeatSeconds: 10,
  abortGraceSeconds: 5,
  completedJobRetentionSeconds: 300,
  deadLetterRetentionSeconds: 14 * 24 * 3600,
};
