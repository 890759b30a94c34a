import { clockTicks, LineChart, StackedBarChart } from '../components/charts.tsx';
import { ServerMetrics } from '../components/server-metrics.tsx';
import { Stat } from '../components/stat.tsx';
import { Loading, Panel } from '../components/states.tsx';
import { useLiveTasks, useNow } from '../data/hooks.ts';
import { queueCounts, useServerMetrics } from '../data/queue-counts.ts';
import { type FinishedFigures, finishedFigures } from '../lib/finished-figures.ts';
import { formatDuration, formatWindow } from '../lib/format.ts';
import { bucketByMinute, durationScale, totalsOf } from '../lib/series.ts';

const MINUTE = 60_000;
const PARTIAL =
  'More tasks finished than this page loads (1,000 per status): this figure covers the newest of them.';

/** Headline figures from the server's metrics; throughput and run time charts from the live store. */
export function MetricsPage() {
  const live = useLiveTasks();
  const now = useNow(10_000);
  const metrics = useServerMetrics();
  const tasks = live.store.all();
  const truncated = live.truncatedStatuses;
  const counts = queueCounts(metrics, { loaded: live.loaded, tasks, truncated }, now);
  const buckets = bucketByMinute(tasks, now);
  const first = buckets[0]?.start ?? now - 60 * MINUTE;
  const end = (buckets.at(-1)?.start ?? now) + MINUTE;
  const ticks = clockTicks(first, end, 10 * MINUTE);
  const server = metrics.state === 'ready' && metrics.value.state === 'ready' ? metrics.value.value : null;
  const totals = totalsOf(tasks, now);
  const figures =
    counts.state === 'ready' ? finishedFigures(counts.total, server, { totals, truncated }) : null;
  const span = counts.state === 'ready' ? formatWindow(counts.windowSeconds) : '1 h';
  // Each run time says what it is over: the server's average covers every task of its window, the
  // p95 (and the average without server metrics) only the completed tasks this page loaded.
  const loaded = `${totals.completed} ${totals.completed === 1 ? 'task' : 'tasks'} loaded`;
  const stat = (key: keyof FinishedFigures, tone: string, label: string) => {
    const figure = figures?.[key];
    return (
      <Stat
        key={key}
        tone={tone}
        label={figure?.partial ? `${label}, newest tasks only` : label}
        title={figure?.partial ? PARTIAL : undefined}
        value={figure?.text ?? ''}
        loaded={figure !== undefined}
      />
    );
  };
  const finishedCut = (['completed', 'failed', 'cancelled'] as const).some((status) => truncated.has(status));

  return (
    <div class="page">
      <div class="stats">
        {stat('completed', 'completed', `Completed (${span})`)}
        {stat('failed', 'failed', `Failed (${span})`)}
        {stat('errorRate', 'error-rate', `Error rate (${span})`)}
        {stat('avgDuration', 'avg-duration', `Avg run time (${server ? `${span}, all tasks` : loaded})`)}
        {stat('p95Duration', 'p95-duration', `p95 run time (${loaded})`)}
      </div>
      {finishedCut ? (
        <p class="hint">
          More tasks finished this hour than this page loads at start (1,000 per status): the charts show the
          newest of them and every one finishing from now on; the figures above and the server metrics below
          count them all.
        </p>
      ) : null}
      <div class="columns">
        <Panel title="Throughput, last hour (tasks finished per minute)">
          {!live.loaded ? (
            <Loading />
          ) : (
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
          )}
        </Panel>
        <Panel title="Run time of completed tasks, last hour">
          {!live.loaded ? (
            <Loading />
          ) : (
            <LineChart
              title="Run time per minute"
              xDomain={[first, end]}
              xTicks={ticks}
              yScale={durationScale}
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
          )}
        </Panel>
      </div>
      <ServerMetrics metrics={metrics} />
    </div>
  );
}
