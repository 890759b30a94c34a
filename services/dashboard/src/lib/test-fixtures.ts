import type { MetricsCounts, TaskSummary } from '@kaygraph/contracts';

/** Test data only. A listed task: a fresh id, `demo`, normal priority, not started; `fields` override. */
export function taskSummary(fields: Partial<TaskSummary> = {}): TaskSummary {
  const now = new Date().toISOString();
  return {
    task_id: crypto.randomUUID(),
    workflow: 'demo',
    status: 'queued',
    priority: 'normal',
    progress: 0,
    step: null,
    message: null,
    eta_seconds: null,
    attempt: 1,
    max_retries: 0,
    group_id: null,
    schedule_id: null,
    concurrency_key: null,
    parent_task_id: null,
    run_at: null,
    error: null,
    created_at: now,
    updated_at: now,
    started_at: null,
    completed_at: null,
    ...fields,
  };
}

/** Test data only. The server's counts of an empty queue; `fields` override. */
export function metricsCounts(fields: Partial<MetricsCounts> = {}): MetricsCounts {
  return {
    tasks_pending: 0,
    tasks_running: 0,
    tasks_waiting: 0,
    tasks_blocked: 0,
    tasks_scheduled: 0,
    tasks_held: 0,
    tasks_queued: 0,
    queue_depth: 0,
    queue_age_seconds: 0,
    longest_run_seconds: 0,
    tasks_completed: 0,
    tasks_failed: 0,
    tasks_cancelled: 0,
    avg_duration: 0,
    error_rate: 0,
    ...fields,
  };
}
