import { type MetricsCounts, type MetricsSnapshot, PRIORITIES } from '@kaygraph/contracts';
import type { Optional } from '../data/api.ts';
import type { Loadable } from '../data/hooks.ts';
import { formatDuration, formatPercent } from '../lib/format.ts';
import { ErrorNotice, Loading, Panel, Unavailable } from './states.tsx';

/** The api's own figures over every task in the database, per priority and per workflow. */
export function ServerMetrics({ metrics }: { metrics: Loadable<Optional<MetricsSnapshot>> }) {
  return (
    <Panel title="Server metrics">
      {metrics.state === 'loading' ? <Loading /> : null}
      {metrics.state === 'error' ? <ErrorNotice message={metrics.message} /> : null}
      {metrics.state === 'ready' && metrics.value.state === 'unavailable' ? (
        <Unavailable feature="Server metrics" reason={metrics.value.reason} />
      ) : null}
      {metrics.state === 'ready' && metrics.value.state === 'ready' ? (
        <MetricsTables metrics={metrics.value.value} />
      ) : null}
    </Panel>
  );
}

const COLUMNS: {
  key: keyof MetricsCounts;
  label: string;
  title?: string;
  format?: (value: number) => string;
}[] = [
  {
    key: 'queue_depth',
    label: 'Queue depth',
    title:
      'what a worker could take now: queued, or scheduled and due (not a retry waiting out its backoff, nor tasks held in a group)',
  },
  {
    key: 'queue_age_seconds',
    label: 'Oldest in queue',
    title: 'how long the oldest task a worker could take now has waited for one',
    format: (value) => formatDuration(value),
  },
  { key: 'tasks_pending', label: 'Not started', title: 'pending, queued, blocked and scheduled' },
  { key: 'tasks_running', label: 'Running' },
  {
    key: 'longest_run_seconds',
    label: 'Longest run',
    title: 'how long the longest-running task has run in its current attempt: a stuck node shows here',
    format: (value) => formatDuration(value),
  },
  { key: 'tasks_waiting', label: 'Waiting', title: 'for a signal, a time or child tasks' },
  { key: 'tasks_blocked', label: 'Blocked' },
  { key: 'tasks_scheduled', label: 'Scheduled' },
  { key: 'tasks_completed', label: 'Completed' },
  { key: 'tasks_failed', label: 'Failed' },
  { key: 'tasks_cancelled', label: 'Cancelled' },
  { key: 'avg_duration', label: 'Avg duration', format: (value) => formatDuration(value) },
  { key: 'error_rate', label: 'Error rate', format: (value) => formatPercent(value * 100) },
];

/** Without a live worker nothing queued runs: said first, above the queue figures. */
function workersAlive(workers: number): string {
  if (workers === 0) return 'No worker alive: queued tasks wait until one starts.';
  return `${workers} worker process${workers === 1 ? '' : 'es'} alive.`;
}

function MetricsTables({ metrics }: { metrics: MetricsSnapshot }) {
  const rows: [string, MetricsCounts][] = [
    ['All tasks', metrics],
    // High first, as workers take them.
    ...PRIORITIES.toReversed().flatMap((priority): [string, MetricsCounts][] => {
      const counts = metrics.by_priority[priority];
      return counts ? [[`priority ${priority}`, counts]] : [];
    }),
    ...Object.entries(metrics.by_workflow).map(([workflow, counts]): [string, MetricsCounts] => [
      workflow,
      counts,
    ]),
  ];
  return (
    <>
      <p class={metrics.workers === 0 ? 'hint hint-warning' : 'hint'} data-testid="workers-alive">
        {`${workersAlive(metrics.workers)} Finished counts, durations and error rate cover the last ${formatDuration(metrics.window_seconds)}; scope: ${metrics.scope}.`}
      </p>
      <table class="table table-numbers" data-testid="server-metrics">
        <thead>
          <tr>
            <th />
            {COLUMNS.map((column) => (
              <th key={column.key} title={column.title}>
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map(([label, counts]) => (
            <tr key={label}>
              <td>{label}</td>
              {COLUMNS.map((column) => (
                <td key={column.key} class={counts[column.key] === 0 ? 'zero' : undefined}>
                  {column.format ? column.format(counts[column.key]) : counts[column.key]}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
