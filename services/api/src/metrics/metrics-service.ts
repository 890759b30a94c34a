import type { MetricsSnapshot } from '@kaygraph/contracts';
import type { Caller, TaskService } from '@kaygraph/tasks';
import type { PrometheusMetrics } from './prometheus.ts';

/** What the `metrics` procedure and `GET /metrics` use. */
export interface MetricsService {
  /** Admins see every owner's tasks, everyone else their own. */
  snapshot(caller: Caller): Promise<MetricsSnapshot>;
  /** The registered workflows, whose Prometheus task counters start at 0. */
  workflowNames(): Promise<string[]>;
  prometheus: PrometheusMetrics;
}

export interface MetricsServiceOptions {
  /** The numbers, and whose tasks a caller sees, are the task service's (`TaskService.metrics`). */
  tasks: Pick<TaskService, 'metrics'>;
  prometheus: PrometheusMetrics;
  /** Window of the finished counts, avg_duration and error_rate (default 3600 s). */
  windowSeconds?: number;
  /** The registered workflows (TaskSystem.workflows.names); none when not given. */
  workflowNames?: () => Promise<string[]>;
}

export function createMetricsService(opts: MetricsServiceOptions): MetricsService {
  const windowSeconds = opts.windowSeconds ?? 3600;
  return {
    snapshot: (caller) => opts.tasks.metrics(caller, { windowSeconds }),
    workflowNames: opts.workflowNames ?? (() => Promise.resolve([])),
    prometheus: opts.prometheus,
  };
}
