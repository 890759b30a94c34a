import { isTerminalStatus } from '@kaygraph/contracts';
import { ActiveSections } from '../components/active-sections.tsx';
import { PausedWorkflows } from '../components/paused-workflows.tsx';
import { Stat } from '../components/stat.tsx';
import { EmptyState, Loading, Panel } from '../components/states.tsx';
import { useLiveTasks, useNow } from '../data/hooks.ts';
import { type QueueCounts, queueCounts, useServerMetrics } from '../data/queue-counts.ts';
import { formatWindow } from '../lib/format.ts';
import { type CountKey, formatCount, hasUnfinished } from '../lib/status-counts.ts';

/** Active tasks with live bars; counts and queue status from the server's metrics. */
export function OverviewPage() {
  const live = useLiveTasks();
  const now = useNow(5000);
  const active = live.store.all().filter((task) => !isTerminalStatus(task.status));
  const metrics = useServerMetrics();
  const paused =
    metrics.state === 'ready' && metrics.value.state === 'ready' ? metrics.value.value.paused_workflows : [];
  const counts = queueCounts(
    metrics,
    { loaded: live.loaded, tasks: live.store.all(), truncated: live.truncatedStatuses },
    now,
  );
  const ready = counts.state === 'ready';
  const span = ready ? formatWindow(counts.windowSeconds) : '1 h';
  // Before the counts arrived nothing is known: show that, not counts of 0.
  const stat = (key: CountKey, label: string, title?: string) => (
    <Stat
      key={key}
      label={label}
      title={title}
      value={ready ? formatCount(counts.total[key]) : ''}
      tone={key}
      loaded={ready}
    />
  );

  return (
    <div class="page">
      <PausedWorkflows names={paused} />
      <div class="stats">
        {stat('running', 'Running')}
        {stat('queued', 'Queued')}
        {stat('waiting', 'Waiting', 'Waiting for a signal, a time or child tasks (holding no worker)')}
        {stat('blocked', 'Blocked', 'Waiting for the tasks they depend on')}
        {stat('scheduled', 'Scheduled', 'Due at a later run_at')}
        {stat('completed', `Completed (${span})`)}
        {stat('failed', `Failed (${span})`)}
      </div>
      <Panel title="Active tasks">
        {!live.loaded ? (
          <Loading />
        ) : active.length === 0 ? (
          <EmptyState title="No active tasks">
            Submitted tasks appear here as soon as they are queued.
          </EmptyState>
        ) : (
          <ActiveSections tasks={active} counts={ready ? counts.total : null} now={now} />
        )}
      </Panel>
      <Panel title="Queue status">
        {ready ? <QueueTable counts={counts} paused={paused} /> : <Loading />}
      </Panel>
    </div>
  );
}

const QUEUE_COLUMNS: { key: CountKey; label: string }[] = [
  { key: 'queued', label: 'Queued' },
  { key: 'running', label: 'Running' },
  { key: 'waiting', label: 'Waiting' },
  { key: 'blocked', label: 'Blocked' },
  { key: 'scheduled', label: 'Scheduled' },
];

/** Unfinished tasks per workflow, one column per status group; a paused workflow says so. */
function QueueTable({
  counts,
  paused,
}: {
  counts: Extract<QueueCounts, { state: 'ready' }>;
  paused: readonly string[];
}) {
  const rows = counts.byWorkflow.filter(([, row]) => hasUnfinished(row));
  if (rows.length === 0) return <EmptyState title="All queues are empty" />;
  return (
    <>
      <table class="table table-numbers" data-testid="queue-status">
        <thead>
          <tr>
            <th>Workflow</th>
            {QUEUE_COLUMNS.map((column) => (
              <th key={column.key}>{column.label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map(([workflow, row]) => (
            <tr key={workflow} data-workflow={workflow}>
              <td>
                {workflow} {paused.includes(workflow) ? <span class="badge badge-paused">paused</span> : null}
              </td>
              {QUEUE_COLUMNS.map((column) => (
                <td
                  key={column.key}
                  data-column={column.key}
                  class={row[column.key].value === 0 ? 'zero' : undefined}
                >
                  {formatCount(row[column.key])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {counts.source === 'page' ? (
        <p class="hint">
          This server has no metrics: counted from the tasks this page loaded (≥ where there were more).
        </p>
      ) : null}
    </>
  );
}
