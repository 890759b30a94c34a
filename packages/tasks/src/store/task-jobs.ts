import type { Priority } from '@kaygraph/contracts';
import { sql } from 'drizzle-orm';
import type { TaskJob } from './jobs.ts';

/** The columns of a task (alias `t`) that its pg-boss job is made from. */
export const TASK_JOB_COLUMNS = sql`t.id, t.owner, t.workflow, t.workflow_version, t.job_id, t.priority, t.max_retries,
  t.retry_delay_seconds, t.retry_backoff, t.timeout_seconds, t.concurrency_key`;

export interface TaskJobRow {
  id: string;
  owner: string;
  workflow: string;
  workflow_version: string | null;
  job_id: string;
  priority: Priority;
  max_retries: number;
  retry_delay_seconds: number;
  retry_backoff: boolean;
  timeout_seconds: number;
  concurrency_key: string | null;
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
    concurrencyGroup: concurrencyGroupOf(row.owner, row.concurrency_key),
  };
}

/**
 * The pg-boss group of a task's job (pg-boss counts a group's active jobs per queue): its concurrency key,
 * scoped to its owner so that tenants never share a key's slots. Null: a task without a key.
 */
export function concurrencyGroupOf(owner: string, concurrencyKey: string | null): string | null {
  return concurrencyKey === null ? null : JSON.stringify([owner, concurrencyKey]);
}
