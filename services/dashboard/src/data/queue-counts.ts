import type { MetricsSnapshot, TaskStatus, TaskSummary } from '@kaygraph/contracts';
import { type Counts, countsFromServer, countsFromTasks } from '../lib/status-counts.ts';
import type { Optional } from './api.ts';
import { type Loadable, useQuery, useRefreshOn, useServices } from './hooks.ts';
import { FINISHED_RETENTION_MS } from './task-store.ts';

/** The counts a page shows, and where they come from. */
export type QueueCounts =
  | { state: 'loading' }
  | {
      state: 'ready';
      /** `server`: the api's metrics, over every task; `page`: the tasks this page loaded. */
      source: 'server' | 'page';
      total: Counts;
      /** Per workflow, sorted by name. */
      byWorkflow: [string, Counts][];
      /** What the finished counts cover. */
      windowSeconds: number;
    };

/** What the page holds of the live task list (LiveTasks). */
export interface PageTasks {
  loaded: boolean;
  tasks: readonly TaskSummary[];
  truncated: ReadonlySet<TaskStatus>;
}

/**
 * The server's counts when it has metrics; the page's own (lower bounds where a list was cut off)
 * when it has none or they failed. Nothing before the live feed's first snapshot (it is what keeps
 * either current) and the metrics have arrived, so no 0 is a guess.
 */
export function queueCounts(
  metrics: Loadable<Optional<MetricsSnapshot>>,
  page: PageTasks,
  now: number,
): QueueCounts {
  if (!page.loaded || metrics.state === 'loading') return { state: 'loading' };
  if (metrics.state === 'ready' && metrics.value.state === 'ready') {
    const snapshot = metrics.value.value;
    return {
      state: 'ready',
      source: 'server',
      total: countsFromServer(snapshot),
      byWorkflow: Object.entries(snapshot.by_workflow)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([workflow, counts]) => [workflow, countsFromServer(counts)]),
      windowSeconds: snapshot.window_seconds,
    };
  }
  const count = (tasks: readonly TaskSummary[]) =>
    countsFromTasks(tasks, page.truncated, now, FINISHED_RETENTION_MS);
  const workflows = [...new Set(page.tasks.map((task) => task.workflow))].sort();
  return {
    state: 'ready',
    source: 'page',
    total: count(page.tasks),
    byWorkflow: workflows.map((workflow) => [
      workflow,
      count(page.tasks.filter((task) => task.workflow === workflow)),
    ]),
    windowSeconds: FINISHED_RETENTION_MS / 1000,
  };
}

/** The api's metrics snapshot, read again (at most once a second) when the feed reports status changes. */
export function useServerMetrics(): Loadable<Optional<MetricsSnapshot>> {
  const { api, live } = useServices();
  const [metrics, reload] = useQuery('metrics', () => api.optional.metrics());
  useRefreshOn(live.store.statusVersion, reload);
  return metrics;
}
