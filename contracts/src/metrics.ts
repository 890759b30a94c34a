import { z } from 'zod';
import { Timestamp } from './common.ts';

/** `GET /metrics?format=`: the spec's JSON, or Prometheus text exposition. */
export const MetricsFormat = z.enum(['json', 'prometheus']);
export type MetricsFormat = z.infer<typeof MetricsFormat>;

/**
 * Counts and rates of one slice of the queue (all tasks, one workflow, or one priority).
 * `tasks_pending` is every task not yet started, by status: `tasks_held` (in a group not yet executed),
 * `tasks_queued`, `tasks_blocked` and `tasks_scheduled`.
 * `queue_depth` is what a worker could start now: queued tasks, and scheduled ones whose `run_at` has
 * come, but not a retry still waiting out its backoff; `queue_age_seconds` how long the oldest of them has
 * waited for a worker (since it was queued, or since its `run_at`; a task moved to another workflow version
 * by `move-tasks` counts from the move; 0 when there is none). `longest_run_seconds` is how long the
 * longest-running task has run in its current attempt (0 when none runs): a stuck node shows here. Finished counts,
 * `avg_duration` (seconds from start to completion of completed tasks, waits and retries included) and
 * `error_rate` (failed / (completed + failed)) cover the last `window_seconds`. `tasks_waiting`: tasks that
 * wait for a signal, a time or their children (they hold no worker).
 */
export const MetricsCounts = z.object({
  tasks_pending: z.number().int().nonnegative(),
  tasks_running: z.number().int().nonnegative(),
  tasks_waiting: z.number().int().nonnegative(),
  tasks_blocked: z.number().int().nonnegative(),
  tasks_scheduled: z.number().int().nonnegative(),
  /** Tasks held in a group until it is executed (status `pending`). */
  tasks_held: z.number().int().nonnegative(),
  /** Tasks of status `queued` (a retry waiting out its backoff included). */
  tasks_queued: z.number().int().nonnegative(),
  queue_depth: z.number().int().nonnegative(),
  queue_age_seconds: z.number().nonnegative(),
  longest_run_seconds: z.number().nonnegative(),
  tasks_completed: z.number().int().nonnegative(),
  tasks_failed: z.number().int().nonnegative(),
  tasks_cancelled: z.number().int().nonnegative(),
  avg_duration: z.number().nonnegative(),
  error_rate: z.number().min(0).max(1),
});
export type MetricsCounts = z.infer<typeof MetricsCounts>;

/**
 * `GET /metrics` (Accept: application/json) and the `metrics` procedure: the spec's fields at the
 * top level, plus breakdowns per workflow and per priority. Admin keys (and an open server) see
 * every owner; other keys see their own owner's tasks.
 */
export const MetricsSnapshot = MetricsCounts.extend({
  window_seconds: z.number().int().positive(),
  by_workflow: z.record(z.string(), MetricsCounts),
  by_priority: z.record(z.string(), MetricsCounts),
  /** `all` (admin or open server) or the owner the numbers are limited to. */
  scope: z.string(),
  /** Worker processes alive now (beating within their lease), in the whole cluster whatever the scope. */
  workers: z.number().int().nonnegative(),
  /** Workflows paused now (POST /workflows/{name}/pause): their queues grow while no worker starts a task. */
  paused_workflows: z.array(z.string()),
  generated_at: Timestamp,
});
export type MetricsSnapshot = z.infer<typeof MetricsSnapshot>;
