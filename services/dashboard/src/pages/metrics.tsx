import { type MetricsCounts, type MetricsSnapshot, PRIORITIES } from '@kaygraph/contracts';
import { clockTicks, LineChart, StackedBarChart } from '../components/charts.tsx';
import { ErrorNotice, Loading, Panel, Unavailable } from '../components/states.tsx';
import { useLiveTasks, useNow, useQuery, useRefreshOn, useServices } from '../data/hooks.ts';
import { formatDuration, formatPercent } from '../lib/format.ts';
import { bucketByMinute, totalsOf } from '../lib/series.ts';

const MINUTE = 60_000;

/** Throughput and run time over the last hour, drawn from the live task store. */
export function MetricsPage() {
  const live = useLiveTasks();
  const now = useNow(10_000);
  const tasks = live.store.all();
  const buckets = bucketByMinute(tasks, now);
  const totals = totalsOf(tasks, now);
  const first = buckets[0]?.start ?? now - 60 * MINUTE;
  const end = (buckets.at(-1)?.start ?? now) + MINUTE;
  const ticks = clockTicks(first, end, 10 * MINUTE);
  const finished = totals.completed + totals.failed;

  return (
    <div class="page">
      <div class="stats">
        <div class="stat stat-completed">
          <span class="stat-value">{totals.completed}</span>
          <span class="stat-label">Completed (1 h)</span>
        </div>
        <div class="stat stat-failed">
          <span class="stat-value">{totals.failed}</span>
          <span class="stat-label">Failed (1 h)</span>
        </div>
        <div class="stat">
          <span class="stat-value">{finished ? formatPercent((totals.failed / finished) * 100) : '—'}</span>
          <span class="stat-label">Error rate (1 h)</span>
        </div>
        <div class="stat">
          <span class="stat-value">{formatDuration(totals.avgDuration)}</span>
          <span class="stat-label">Avg run time</span>
        </div>
        <div class="stat">
          <span class="stat-value">{formatDuration(totals.p95Duration)}</span>
          <span class="stat-label">p95 run time</span>
        </div>
      </div>
      {live.truncatedStatuses.size > 0 ? (
        <p class="hint">
          More tasks finished this hour than this page loads at start (1,000 per status): the charts show the
          newest of them and every one finishing from now on; the server metrics below count them all.
        </p>
      ) : null}
      <div class="columns">
        <Panel title="Throughput, last hour (tasks finished per minute)">
          <StackedBarChart
            title="Tasks finished per minute"
            slotWidth={MINUTE}
            xTicks={ticks}
            series={[
              { key: 'completed', label: 'completed', className: 'series-completed' },
              { key: 'failed', label: 'failed', className: 'series-failed' },
              { key: 'cancelled', label: 'cancelled', className: 'series-cancelled' },
            ]}
            data={buckets.map((bucket) => ({
              x: bucket.start,
              values: { completed: bucket.completed, failed: bucket.failed, cancelled: bucket.cancelled },
            }))}
          />
        </Panel>
        <Panel title="Run time of completed tasks, last hour">
          <LineChart
            title="Run time per minute"
            xDomain={[first, end]}
            xTicks={ticks}
            yFormat={(value) => formatDuration(value)}
            series={[
              {
                key: 'avg',
                label: 'average',
                className: 'series-avg',
                points: buckets.map((bucket) => ({ x: bucket.start + MINUTE / 2, y: bucket.avgDuration })),
              },
              {
                key: 'p95',
                label: 'p95',
                className: 'series-p95',
                points: buckets.map((bucket) => ({ x: bucket.start + MINUTE / 2, y: bucket.p95Duration })),
              },
            ]}
          />
        </Panel>
      </div>
      <ServerMetrics />
    </div>
  );
}

/** The api's own figures over every task in the database, re-read when statuses change. */
function ServerMetrics() {
  const { api, live } = useServices();
  const [metrics, reload] = useQuery('metrics', () => api.optional.metrics());
  useRefreshOn(live.store.statusVersion, reload);
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

const COLUMNS: { key: keyof MetricsCounts; label: string; format?: (value: number) => string }[] = [
  { key: 'queue_depth', label: 'Queue depth' },
  { key: 'tasks_pending', label: 'Pending' },
  { key: 'tasks_running', label: 'Running' },
  { key: 'tasks_blocked', label: 'Blocked' },
  { key: 'tasks_scheduled', label: 'Scheduled' },
  { key: 'tasks_completed', label: 'Completed' },
  { key: 'tasks_failed', label: 'Failed' },
  { key: 'tasks_cancelled', label: 'Cancelled' },
  { key: 'avg_duration', label: 'Avg duration', format: (value) => formatDuration(value) },
  { key: 'error_rate', label: 'Error rate', format: (value) => formatPercent(value * 100) },
];

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
      <p class="hint">
        {`Finished counts, durations and error rate cover the last ${formatDuration(metrics.window_seconds)}; scope: ${metrics.scope}.`}
      </p>
      <table class="table table-numbers" data-testid="server-metrics">
        <thead>
          <tr>
            <th />
            {COLUMNS.map((column) => (
              <th key={column.key}>{column.label}</th>
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
