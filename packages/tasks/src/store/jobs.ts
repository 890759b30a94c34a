import type { Priority, WorkflowRateLimit } from '@kaygraph/contracts';

/** The jobs of tasks as the task core sees them; store/boss.ts maps them to pg-boss. */

/** Queue knobs that are not per workflow. */
export interface QueueTuning {
  /**
   * A worker silent for this long (no beat; it beats every third of it) is taken for dead: its running
   * tasks are retried or fail with WORKER_LOST. Silence during a database outage does not count.
   */
  workerLeaseSeconds: number;
  /** Seconds a task that ignores abort (cancel, timeout, shutdown) gets before its thread is terminated. */
  abortGraceSeconds: number;
  completedJobRetentionSeconds: number;
  deadLetterRetentionSeconds: number;
}

export const DEFAULT_QUEUE_TUNING: QueueTuning = {
  workerLeaseSeconds: 6,
  abortGraceSeconds: 5,
  completedJobRetentionSeconds: 300,
  deadLetterRetentionSeconds: 14 * 24 * 3600,
};

/**
 * Which queue a task's job is in: one per registered workflow version, so a worker fetches only tasks of
 * versions it runs. `version` null: a task submitted before versions were recorded (migration 0006).
 */
export interface QueueRef {
  workflow: string;
  version: string | null;
}

/** A queue as a worker fetches it: with its workflow version's per-key running limit and rate limit (null: none). */
export interface FetchQueue extends QueueRef {
  concurrencyPerKey: number | null;
  rateLimit: WorkflowRateLimit | null;
}

/** A job to create for a task: its id is the task's current `job_id`. */
export interface TaskJob extends QueueRef {
  jobId: string;
  taskId: string;
  priority: Priority;
  /** Retries after the first attempt. */
  retryLimit: number;
  retryDelaySeconds: number;
  retryBackoff: boolean;
  timeoutSeconds: number;
  startAfter: Date | null;
  /** The pg-boss group its workflow's per-key limit counts it in (store/task-jobs.ts); null: none. */
  concurrencyGroup: string | null;
}

/** A fetched job: its task and the pg-boss attempt it is (the attempt fences its settle). */
export interface FetchedJob extends QueueRef {
  jobId: string;
  taskId: string;
  /** 0 on the first attempt. */
  retryCount: number;
  retryLimit: number;
  /** The group its workflow's per-key limit counts it in (see TaskJob); null: none. */
  concurrencyGroup: string | null;
}

/**
 * Whether pg-boss retries this job if its current attempt fails: its retry count (0 on the first attempt)
 * is below its retry limit.
 */
export function retriesLeft(job: Pick<FetchedJob, 'retryCount' | 'retryLimit'>): boolean {
  return job.retryCount < job.retryLimit;
}

/** A job attempt to settle. */
export type JobAttempt = Pick<FetchedJob, 'workflow' | 'version' | 'jobId' | 'retryCount'>;

/** What pg-boss says of one job. */
export interface JobView {
  taskId: string;
  state: 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';
  priority: number;
  retryLimit: number;
  retryCount: number;
  startAfter: Date;
}

/** A failed job's retry as pg-boss scheduled it: when it runs, and which retry of how many it is. */
export interface JobRetry {
  startAfter: Date;
  retryCount: number;
  retryLimit: number;
}
