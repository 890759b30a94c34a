import type { MetricsSnapshot } from '@kaygraph/contracts';
import type { Connection } from '@kaygraph/db';
import type { Caller } from '@kaygraph/tasks';
import { createPrometheusMetrics, type PrometheusMetrics, type TaskEventFeed } from './prometheus.ts';
import { loadMetricsSnapshot } from './snapshot.ts';

/** What the `metrics` procedure and `GET /metrics` use. */
export interface MetricsService {
  /** Admins see every owner's tasks, everyone else their own. */
  snapshot(caller: Caller): Promise<MetricsSnapshot>;
  prometheus: PrometheusMetrics;
  close(): void;
}

export interface MetricsServiceOptions {
  sql: Connection['sql'];
  feed?: TaskEventFeed;
  /** Window of the finished counts, avg_duration and error_rate (default 3600 s). */
  windowSeconds?: number;
  /** Node process metrics (event loop, memory) in the Prometheus output (default true). */
  processMetrics?: boolean;
}

export function createMetricsService(opts: MetricsServiceOptions): MetricsService {
  const windowSeconds = opts.windowSeconds ?? 3600;
  const prometheus = createPrometheusMetrics({ feed: opts.feed, processMetrics: opts.processMetrics });
  return {
    snapshot: (caller) =>
      loadMetricsSnapshot(opts.sql, { owner: caller.admin ? null : caller.owner, windowSeconds }),
    prometheus,
    close: () => prometheus.close(),
  };
}
