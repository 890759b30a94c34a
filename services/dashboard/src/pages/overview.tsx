import type { Priority, TaskStatus, TaskSummary } from '@kaygraph/contracts';
import { isTerminalStatus, PRIORITIES } from '@kaygraph/contracts';
import { ProgressBar } from '../components/progress-bar.tsx';
import { EmptyState, Loading, Panel } from '../components/states.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { TaskActions } from '../components/task-actions.tsx';
import { useLiveTasks, useNow } from '../data/hooks.ts';
import { formatEta, formatRelative, shortId } from '../lib/format.ts';
import { totalsOf } from '../lib/series.ts';
import { taskHref } from '../router.ts';

const STATUS_ORDER: Record<TaskStatus, number> = {
  running: 0,
  queued: 1,
  waiting: 2,
  pending: 3,
  scheduled: 4,
  blocked: 5,
  completed: 6,
  failed: 7,
  cancelled: 8,
};

/** Active tasks with live bars, and how the queue stands per workflow and priority. */
export function OverviewPage() {
  const live = useLiveTasks();
  const now = useNow(5000);
  const tasks = live.store.all();
  const active = tasks
    .filter((task) => !isTerminalStatus(task.status))
    .sort(
      (a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || b.created_at.localeCompare(a.created_at),
    );
  const lastHour = totalsOf(tasks, now);
  const count = (status: TaskStatus) => active.filter((task) => task.status === status).length;
  const atLeast = live.snapshotTruncated ? '≥ ' : '';
  // Before the first snapshot nothing is known: show that, not counts of 0.
  const shown = (value: number) => (live.loaded ? `${atLeast}${value}` : '…');

  return (
    <div class="page">
      <div class="stats">
        <Stat label="Running" value={shown(count('running'))} tone="running" loaded={live.loaded} />
        <Stat
          label="Queued"
          value={shown(count('queued') + count('pending'))}
          tone="queued"
          loaded={live.loaded}
        />
        <Stat
          label="Waiting"
          value={shown(count('blocked') + count('scheduled'))}
          tone="blocked"
          loaded={live.loaded}
        />
        <Stat
          label="Completed (1 h)"
          value={live.loaded ? String(lastHour.completed) : '…'}
          tone="completed"
          loaded={live.loaded}
        />
        <Stat
          label="Failed (1 h)"
          value={live.loaded ? String(lastHour.failed) : '…'}
          tone="failed"
          loaded={live.loaded}
        />
      </div>
      <Panel title="Active tasks">
        {!live.loaded ? (
          <Loading />
        ) : active.length === 0 ? (
          <EmptyState title="No active tasks">
            Submitted tasks appear here as soon as they are queued.
          </EmptyState>
        ) : (
          <ActiveTable tasks={active} now={now} />
        )}
      </Panel>
      <Panel title="Queue status">{live.loaded ? <QueueTable tasks={active} /> : <Loading />}</Panel>
    </div>
  );
}

function Stat({
  label,
  value,
  tone,
  loaded,
}: {
  label: string;
  value: string;
  tone: string;
  loaded: boolean;
}) {
  return (
    <div class={`stat stat-${tone}`} data-testid={`stat-${tone}`} data-state={loaded ? 'ready' : 'loading'}>
      <span class="stat-value">{value}</span>
      <span class="stat-label">{label}</span>
    </div>
  );
}

/** Rows drawn at once: a backlog of thousands is summarised, not rendered row by row. */
const MAX_ROWS = 100;

function ActiveTable({ tasks, now }: { tasks: TaskSummary[]; now: number }) {
  const shown = tasks.slice(0, MAX_ROWS);
  return (
    <>
      <table class="table" data-testid="active-tasks">
        <thead>
          <tr>
            <th>Task</th>
            <th>Status</th>
            <th>Priority</th>
            <th class="col-progress">Progress</th>
            <th>Step</th>
            <th>ETA</th>
            <th>Started</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {shown.map((task) => (
            <tr key={task.task_id} data-task-id={task.task_id}>
              <td>
                <a href={taskHref(task.task_id)} class="task-link">
                  <span class="workflow">{task.workflow}</span>
                  <code>{shortId(task.task_id)}</code>
                </a>
              </td>
              <td>
                <StatusBadge status={task.status} />
              </td>
              <td>
                <span class={`priority priority-${task.priority}`}>{task.priority}</span>
              </td>
              <td>
                <ProgressBar value={task.progress} status={task.status} />
              </td>
              <td class="step" title={task.message ?? undefined}>
                {task.step ?? '—'}
                {task.message ? <small>{task.message}</small> : null}
              </td>
              <td>{task.status === 'running' ? formatEta(task.eta_seconds) : '—'}</td>
              <td>{formatRelative(task.started_at, now)}</td>
              <td>
                <TaskActions task={task} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {tasks.length > shown.length ? (
        <p class="hint more-rows">
          and {tasks.length - shown.length} more waiting (running tasks are listed first); the queue status
          below counts them all.
        </p>
      ) : null}
    </>
  );
}

const QUEUE_COLUMNS: { key: string; label: string; matches: (task: TaskSummary) => boolean }[] = [
  ...PRIORITIES.toReversed().map((priority: Priority) => ({
    key: `queued-${priority}`,
    label: `Queued · ${priority}`,
    matches: (task: TaskSummary) =>
      (task.status === 'queued' || task.status === 'pending') && task.priority === priority,
  })),
  { key: 'running', label: 'Running', matches: (task) => task.status === 'running' },
  { key: 'blocked', label: 'Blocked', matches: (task) => task.status === 'blocked' },
  { key: 'scheduled', label: 'Scheduled', matches: (task) => task.status === 'scheduled' },
];

function QueueTable({ tasks }: { tasks: TaskSummary[] }) {
  const workflows = [...new Set(tasks.map((task) => task.workflow))].sort();
  if (workflows.length === 0) return <EmptyState title="All queues are empty" />;
  return (
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
        {workflows.map((workflow) => {
          const own = tasks.filter((task) => task.workflow === workflow);
          return (
            <tr key={workflow}>
              <td>{workflow}</td>
              {QUEUE_COLUMNS.map((column) => {
                const value = own.filter(column.matches).length;
                return (
                  <td key={column.key} class={value === 0 ? 'zero' : undefined}>
                    {value}
                  </td>
                );
              })}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
