import type { Priority } from '@kaygraph/contracts';
import { sql } from 'drizzle-orm';
import type { TaskJob } from './jobs.ts';

/** The columns of a task (alias `t`) that its pg-boss job is made from. */
export const TASK_JOB_COLUMNS = sql`t.id, t.workflow, t.workflow_version, t.job_id, t.priority, t.max_retries,
  t.retry_delay_seconds, t.retry_backoff, t.timeout_seconds`;

export interface TaskJobRow {
  id: string;
  workflow: string;
  workflow_version: string | null;
  job_id: string;
  priority: Priority;
  max_retries: number;
  retry_delay_seconds: number;
  retry_backoff: boolean;
  timeout_seconds: number;
}

/** The job of a task row: its current job id and its own retry policy and timeout. */
export function taskJobOf(row: TaskJobRow, startAfter: Date | null = null): TaskJob {
  return {
    jobId: row.job_id,
    taskId: row.id,
    workflow: row.workflow,
    version: row.workflow_version,
    priority: row.priority,
    retryLimit: row.max_retries,
    retryDelaySeconds: row.retry_delay_seconds,
    retryBackoff: row.retry_backoff,
    timeoutSeconds: row.timeout_seconds,
    startAfter,
  };
}
