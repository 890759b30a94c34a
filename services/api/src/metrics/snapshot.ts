import type { MetricsSnapshot } from '@kaygraph/contracts';
import type { Connection } from '@kaygraph/db';
import { metricsSnapshot } from '@kaygraph/tasks/stats';

/**
 * The numbers behind `GET /metrics`, as the task package computes them (the same as
 * `TaskService.metrics`). `owner` limits them to one owner's tasks; null counts every owner.
 */
export function loadMetricsSnapshot(
  sql: Connection['sql'],
  opts: { owner: string | null; windowSeconds: number },
): Promise<MetricsSnapshot> {
  return metricsSnapshot(sql, opts);
}
