import type { TaskSummary } from '@kaygraph/contracts';
import { isTerminalStatus } from '@kaygraph/contracts';
import { useState } from 'preact/hooks';
import { ProgressBar } from '../components/progress-bar.tsx';
import { Stat } from '../components/stat.tsx';
import { EmptyState, Loading, Panel } from '../components/states.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { TaskActions } from '../components/task-actions.tsx';
import { TaskLink } from '../components/task-link.tsx';
import { useLiveTasks, useNow } from '../data/hooks.ts';
import { type QueueCounts, queueCounts, useServerMetrics } from '../data/queue-counts.ts';
import { type ActiveKey, activeSections } from '../lib/active-sections.ts';
import { formatEta, formatRelative, formatWindow } from '../lib/format.ts';
import { type CountKey, type Counts, formatCount, hasUnfinished } from '../lib/status-counts.ts';

/** Active tasks with live bars; counts and queue status from the server's metrics. */
export function OverviewPage() {
  const live = useLiveTasks();
  const now = useNow(5000);
  const active = live.store.all().filter((task) => !isTerminalStatus(task.status));
  const counts = queueCounts(
    useServerMetrics(),
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
      <Panel title="Queue status">{ready ? <QueueTable counts={counts} /> : <Loading />}</Panel>
    </div>
  );
}

const SECTION_TITLES: Record<ActiveKey, string> = {
  waiting: 'Waiting for a signal, a time or child tasks',
  running: 'Running',
  blocked: 'Blocked by the tasks they depend on',
  scheduled: 'Scheduled for later',
  queued: 'Queued',
};

/** Rows one "Show more" adds to a section. */
const MORE_ROWS = 100;

/**
 * The unfinished tasks, one section per status group, those waiting for a person first: a backlog of
 * thousands is summarised ("N more", from the counts above), never allowed to push the others away.
 */
function ActiveSections({
  tasks,
  counts,
  now,
}: {
  tasks: TaskSummary[];
  counts: Counts | null;
  now: number;
}) {
  const [limits, setLimits] = useState<Partial<Record<ActiveKey, number>>>({});
  const sections = activeSections(tasks, counts, limits);
  return (
    <div class="active-sections" data-testid="active-tasks">
      {sections.map((section) => (
        <section key={section.key} class="active-section" data-testid={`active-section-${section.key}`}>
          <h3>
            {SECTION_TITLES[section.key]}{' '}
            <span class="muted">{counts ? formatCount(counts[section.key]) : null}</span>
          </h3>
          {section.rows.length > 0 ? <ActiveTable tasks={section.rows} now={now} /> : null}
          {section.more.value > 0 ? (
            <p class="hint more-rows" data-testid="more-rows">
              {section.rows.length > 0 ? 'and ' : ''}
              {formatCount(section.more)} more {section.key} not listed here
              {section.canShowMore ? (
                <>
                  {' '}
                  <button
                    type="button"
                    class="button"
                    onClick={() => setLimits({ ...limits, [section.key]: section.rows.length + MORE_ROWS })}
                  >
                    Show more
                  </button>
                </>
              ) : (
                ' (this page loads the newest 1,000 of each status)'
              )}
            </p>
          ) : null}
        </section>
      ))}
    </div>
  );
}

function ActiveTable({ tasks, now }: { tasks: TaskSummary[]; now: number }) {
  return (
    <table class="table">
      <thead>
        <tr>
          <th>Task</th>
          <th>Status</th>
          <th class="col-wide">Priority</th>
          <th class="col-progress">Progress</th>
          <th class="col-wide">Step</th>
          <th class="col-wide">ETA</th>
          <th class="col-wide">Started</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {tasks.map((task) => (
          <tr key={task.task_id} data-task-id={task.task_id}>
            <td>
              <TaskLink task={task} />
            </td>
            <td>
              <StatusBadge status={task.status} />
            </td>
            <td class="col-wide">
              <span class={`priority priority-${task.priority}`}>{task.priority}</span>
            </td>
            <td>
              <ProgressBar value={task.progress} status={task.status} />
            </td>
            <td class="step col-wide" title={task.message ?? undefined}>
              {task.step ?? '—'}
              {task.message ? <small>{task.message}</small> : null}
            </td>
            <td class="col-wide">{task.status === 'running' ? formatEta(task.eta_seconds) : '—'}</td>
            <td class="col-wide" data-testid="started">
              {task.status === 'scheduled' && task.run_at
                ? `runs ${formatRelative(task.run_at, now)}`
                : formatRelative(task.started_at, now)}
            </td>
            <td>
              <TaskActions task={task} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const QUEUE_COLUMNS: { key: CountKey; label: string }[] = [
  { key: 'queued', label: 'Queued' },
  { key: 'running', label: 'Running' },
  { key: 'waiting', label: 'Waiting' },
  { key: 'blocked', label: 'Blocked' },
  { key: 'scheduled', label: 'Scheduled' },
];

/** Unfinished tasks per workflow, one column per status group. */
function QueueTable({ counts }: { counts: Extract<QueueCounts, { state: 'ready' }> }) {
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
              <td>{workflow}</td>
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
