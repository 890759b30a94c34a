import type { MetricsSnapshot } from '@kaygraph/contracts';
import type { LiveEvent } from '@kaygraph/tasks';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { FinishedRequest } from '../logging/request-logging.ts';
import { apiRouteLabel } from './route-label.ts';

/** Where the counters come from: the api's LISTEN fan-out of every task event (EventBus). */
export interface TaskEventFeed {
  subscribeFeed(listener: (live: LiveEvent) => void): () => void;
}

export interface PrometheusMetrics {
  contentType: string;
  /**
   * Refreshes the queue gauges from `snapshot` and renders the text exposition format; the task counters of
   * `workflows` (the registered ones) and of the snapshot's are there from 0 on.
   */
  render(snapshot: MetricsSnapshot, workflows?: readonly string[]): Promise<string>;
  observeRequest(request: FinishedRequest): void;
  close(): void;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
/** Start times of running tasks, for the duration histogram; bounded so a lost event cannot leak. */
const MAX_TRACKED_RUNS = 100_000;
/** Said in the HELP of every series that describes the whole cluster, so dashboards do not sum replicas. */
const CLUSTER_WIDE = ' The whole cluster, on every api replica: aggregate replicas with max, not sum.';
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

/**
 * prom-client metrics of one api process, in their own registry (two servers in one process do not
 * collide). Counters and the run-time histogram follow the task event feed; every replica LISTENs
 * to every event, so each replica's counters describe the whole cluster (aggregate with max, not
 * sum). Queue gauges are read from the database at scrape time.
 */
export function createPrometheusMetrics(opts: {
  feed?: TaskEventFeed;
  processMetrics?: boolean;
}): PrometheusMetrics {
  const registry = new Registry();
  // The event-loop lag histogram samples every 100 ms, not prom-client's 10 (its timer woke the idle api 100
  // times a second): same series; a stall shorter than 100 ms shows only when a sample falls due in it.
  if (opts.processMetrics !== false)
    collectDefaultMetrics({ register: registry, prefix: 'kaygraph_', eventLoopMonitoringPrecision: 100 });
  const registers = [registry];

  const submitted = new Counter({
    name: 'kaygraph_tasks_submitted_total',
    help: `Tasks submitted, by workflow.${CLUSTER_WIDE}`,
    labelNames: ['workflow'],
    registers,
  });
  const started = new Counter({
    name: 'kaygraph_tasks_started_total',
    help: `Task attempts that started running, by workflow.${CLUSTER_WIDE}`,
    labelNames: ['workflow'],
    registers,
  });
  const finished = new Counter({
    name: 'kaygraph_tasks_finished_total',
    help:
      'Tasks that reached a final status, by workflow and status (completed, failed, cancelled).' +
      CLUSTER_WIDE,
    labelNames: ['workflow', 'status'],
    registers,
  });
  const retries = new Counter({
    name: 'kaygraph_task_retries_total',
    help:
      'Failed attempts queued again for an automatic retry (the run failed or timed out, or its worker was ' +
      `lost), by workflow.${CLUSTER_WIDE}`,
    labelNames: ['workflow'],
    registers,
  });
  const duration = new Histogram({
    name: 'kaygraph_task_duration_seconds',
    help:
      'Run time of the last run of finished tasks, from its start (or its resume after a wait or a retry) ' +
      `to the final status, by workflow and status; waits and retries before it are not counted.${CLUSTER_WIDE}`,
    labelNames: ['workflow', 'status'],
    buckets: DURATION_BUCKETS,
    registers,
  });
  const events = new Counter({
    name: 'kaygraph_task_events_total',
    help: `Task events seen on the live feed, by type (status, progress, log).${CLUSTER_WIDE}`,
    labelNames: ['type'],
    registers,
  });
  const gauge = (name: string, help: string, labelNames: string[]) =>
    new Gauge({ name, help: help + CLUSTER_WIDE, labelNames, registers });
  const pending = gauge(
    'kaygraph_tasks_pending',
    'Tasks not started yet (held in a group, queued, blocked, scheduled).',
    ['workflow'],
  );
  const running = gauge('kaygraph_tasks_running', 'Tasks running now.', ['workflow']);
  const waiting = gauge(
    'kaygraph_tasks_waiting',
    'Tasks waiting for a signal, a time or their children (holding no worker).',
    ['workflow'],
  );
  const runnable = 'queued, or scheduled and due; not a retry waiting out its backoff';
  const depth = gauge('kaygraph_queue_depth', `Tasks a worker could start now (${runnable}), by workflow.`, [
    'workflow',
  ]);
  const depthByPriority = gauge(
    'kaygraph_queue_depth_by_priority',
    `Tasks a worker could start now (${runnable}), by priority.`,
    ['priority'],
  );
  const ageHelp = 'How long the oldest task a worker could start now has waited for one (0: none)';
  const age = gauge('kaygraph_queue_age_seconds', `${ageHelp}, by workflow.`, ['workflow']);
  const ageByPriority = gauge('kaygraph_queue_age_seconds_by_priority', `${ageHelp}, by priority.`, [
    'priority',
  ]);
  const longestRun = gauge(
    'kaygraph_longest_run_seconds',
    'How long the longest-running task has run in its current attempt (0: none running), by workflow.',
    ['workflow'],
  );
  const workers = gauge('kaygraph_workers', 'Worker processes alive (beating within their lease).', []);
  const paused = gauge(
    'kaygraph_workflow_paused',
    '1 while the workflow is paused (no worker starts its tasks; its queue grows), else 0.',
    ['workflow'],
  );
  const errorRate = gauge(
    'kaygraph_task_error_rate',
    'failed / (completed + failed) over the metrics window; workflow="" is every workflow.',
    ['workflow'],
  );
  const avgDuration = gauge(
    'kaygraph_task_avg_duration_seconds',
    'Average time from first start to completion of tasks completed in the metrics window, waits and ' +
      'retries between runs included (kaygraph_task_duration_seconds times the last run alone); ' +
      'workflow="" is every workflow.',
    ['workflow'],
  );
  const httpRequests = new Counter({
    name: 'kaygraph_http_requests_total',
    help: 'HTTP requests answered, by method, route (the OpenAPI path template, the tRPC procedure, or (unmatched)) and status.',
    labelNames: ['method', 'route', 'status'],
    registers,
  });
  const httpDuration = new Histogram({
    name: 'kaygraph_http_request_duration_seconds',
    help: 'Time to answer HTTP requests (streams: until they close), by method and route.',
    labelNames: ['method', 'route'],
    registers,
  });

  const runningSince = new Map<string, number>();
  const onEvent = ({ event, workflow }: LiveEvent) => {
    events.inc({ type: event.type });
    if (event.type !== 'status') return;
    if (event.seq === 1) submitted.inc({ workflow });
    if (event.status === 'running') {
      started.inc({ workflow });
      if (runningSince.size >= MAX_TRACKED_RUNS) runningSince.clear();
      runningSince.set(event.task_id, Date.parse(event.at));
    } else if (event.status === 'queued' && event.error !== null) {
      // Queued again with the error of the attempt that failed: pg-boss retries it (a retry by hand, a
      // redrive, a resume or a release carries no error).
      retries.inc({ workflow });
      runningSince.delete(event.task_id);
    } else if (event.status === 'waiting') {
      // A wait is not run time: the run after it is measured from its own start.
      runningSince.delete(event.task_id);
    } else if (TERMINAL.has(event.status)) {
      finished.inc({ workflow, status: event.status });
      const since = runningSince.get(event.task_id);
      runningSince.delete(event.task_id);
      if (since !== undefined)
        duration.observe({ workflow, status: event.status }, (Date.parse(event.at) - since) / 1000);
    }
  };
  const unsubscribe = opts.feed?.subscribeFeed(onEvent) ?? (() => {});

  // A series Prometheus first sees at 1 has no increase(): a workflow's first failure, after a start, would
  // never fire the dead-letter alert. Every known workflow's task counters start at 0.
  const startAtZero = (workflow: string) => {
    submitted.inc({ workflow }, 0);
    started.inc({ workflow }, 0);
    retries.inc({ workflow }, 0);
    for (const status of TERMINAL) finished.inc({ workflow, status }, 0);
  };

  return {
    contentType: registry.contentType,
    async render(snapshot, workflows = []) {
      for (const workflow of [...workflows, ...Object.keys(snapshot.by_workflow)]) startAtZero(workflow);
      for (const metric of [
        pending,
        running,
        waiting,
        depth,
        depthByPriority,
        age,
        ageByPriority,
        longestRun,
        errorRate,
        avgDuration,
        paused,
      ])
        metric.reset();
      workers.set(snapshot.workers);
      for (const workflow of workflows) paused.set({ workflow }, 0);
      for (const workflow of snapshot.paused_workflows) paused.set({ workflow }, 1);
      for (const [workflow, counts] of Object.entries(snapshot.by_workflow)) {
        pending.set({ workflow }, counts.tasks_pending);
        running.set({ workflow }, counts.tasks_running);
        waiting.set({ workflow }, counts.tasks_waiting);
        depth.set({ workflow }, counts.queue_depth);
        age.set({ workflow }, counts.queue_age_seconds);
        longestRun.set({ workflow }, counts.longest_run_seconds);
        errorRate.set({ workflow }, counts.error_rate);
        avgDuration.set({ workflow }, counts.avg_duration);
      }
      for (const [priority, counts] of Object.entries(snapshot.by_priority)) {
        depthByPriority.set({ priority }, counts.queue_depth);
        ageByPriority.set({ priority }, counts.queue_age_seconds);
      }
      errorRate.set({ workflow: '' }, snapshot.error_rate);
      avgDuration.set({ workflow: '' }, snapshot.avg_duration);
      return registry.metrics();
    },
    observeRequest(request) {
      const route = apiRouteLabel(request.path);
      httpRequests.inc({ method: request.method, route, status: String(request.status) });
      httpDuration.observe({ method: request.method, route }, request.seconds);
    },
    close() {
      unsubscribe();
      runningSince.clear();
    },
  };
}
