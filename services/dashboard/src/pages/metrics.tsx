import { clockTicks, LineChart, StackedBarChart } from '../components/charts.tsx';
import { ErrorNotice, Loading, Panel, Unavailable } from '../components/states.tsx';
import { useLiveTasks, useNow, useQuery, useServices } from '../data/hooks.ts';
import type { MetricsSnapshot } from '../data/optional-shapes.ts';
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

/** The api's own figures (all tasks in the database, not just what this page has seen). */
function ServerMetrics() {
  const { api } = useServices();
  const [metrics] = useQuery('metrics', () => api.optional.metrics());
  return (
    <Panel title="Server metrics">
      {metrics.state === 'loading' ? <Loading /> : null}
      {metrics.state === 'error' ? <ErrorNotice message={metrics.message} /> : null}
      {metrics.state === 'ready' && metrics.value.state === 'unavailable' ? (
        <Unavailable feature="Server metrics" reason={metrics.value.reason} />
      ) : null}
      {metrics.state === 'ready' && metrics.value.state === 'ready' ? (
        <MetricsGrid metrics={metrics.value.value} />
      ) : null}
    </Panel>
  );
}

function MetricsGrid({ metrics }: { metrics: MetricsSnapshot }) {
  return (
    <dl class="facts">
      <dt>Pending</dt>
      <dd>{metrics.tasks_pending}</dd>
      <dt>Running</dt>
      <dd>{metrics.tasks_running}</dd>
      <dt>Completed</dt>
      <dd>{metrics.tasks_completed}</dd>
      <dt>Average duration</dt>
      <dd>{formatDuration(metrics.avg_duration)}</dd>
      <dt>Error rate</dt>
      <dd>{formatPercent(metrics.error_rate * 100)}</dd>
    </dl>
  );
}
