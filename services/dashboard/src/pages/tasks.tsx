import type { ListTasksOutput, TaskStatus, TaskSummary } from '@kaygraph/contracts';
import { isTerminalStatus, TASK_STATUSES } from '@kaygraph/contracts';
import { useState } from 'preact/hooks';
import { CancelAllQueued, CleanFinished, RetryAllFailed } from '../components/bulk-actions.tsx';
import { GoToTask } from '../components/go-to-task.tsx';
import { ErrorNotice, Loading, Panel } from '../components/states.tsx';
import { TaskListPager } from '../components/task-list-pager.tsx';
import { TaskRow } from '../components/task-row.tsx';
import { type Loadable, useLiveTasks, useQuery, useRefreshOn, useServices } from '../data/hooks.ts';
import { useServerMetrics } from '../data/queue-counts.ts';
import { useTaskListPage } from '../data/task-list-page.ts';
import { FINISHED_RETENTION_MS } from '../data/task-store.ts';
import { formatDuration, formatTime, formatWindow, secondsBetween } from '../lib/format.ts';
import { listOrderOf } from '../lib/list-order.ts';
import { newerState } from '../lib/newer-state.ts';
import { formatCount } from '../lib/status-counts.ts';
import {
  type StatusCounts,
  statusCountsFromServer,
  statusCountsFromTasks,
  totalCount,
} from '../lib/status-tab-counts.ts';
import { type TaskListView, taskListHref } from '../router.ts';

/**
 * Every task, newest first (queued ones in the order they will run), by status and workflow, a page at
 * a time (`tasks.list`). The page is read again (at most once a second) when the live feed reports status
 * changes, and on Refresh; rows the feed knows show its newer state meanwhile.
 */
export function TasksPage({ list }: { list: TaskListView }) {
  const { api, notice: pageNotice } = useServices();
  const live = useLiveTasks();
  // What the page the user came from did (a task removed there), said once.
  const [notice, setNotice] = useState(() => pageNotice.take());
  const [workflows] = useQuery('workflows', () => api.listWorkflows());
  const [rows, reload] = useTaskListPage(list);
  useRefreshOn(live.store.statusVersion, reload);
  const counts = useStatusCounts(list.workflow);
  const names = workflows.state === 'ready' ? workflows.value.map((workflow) => workflow.name) : [];
  if (list.workflow && !names.includes(list.workflow)) names.push(list.workflow);
  const listed =
    rows.state === 'ready'
      ? rows.value.items.map((task) => newerState(task, live.store.get(task.task_id)))
      : [];

  return (
    <div class="page">
      {notice ? (
        <p class="notice notice-ok" role="status" data-testid="page-notice">
          {notice}{' '}
          <button type="button" class="button" onClick={() => setNotice(null)}>
            Dismiss
          </button>
        </p>
      ) : null}
      <Panel title="Go to task">
        <GoToTask />
      </Panel>
      <Panel
        title="Tasks"
        actions={
          <div class="task-tools">
            <label class="task-filter">
              Workflow{' '}
              <select
                aria-label="Workflow"
                value={list.workflow ?? ''}
                onChange={(event) => {
                  const workflow = event.currentTarget.value || null;
                  window.location.hash = taskListHref({ ...list, workflow, cursor: null, page: 1 });
                }}
              >
                <option value="">All workflows</option>
                {names.sort().map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </select>
            </label>
            <BulkActions list={list} onDone={reload} />
            <button type="button" class="button" onClick={reload}>
              Refresh
            </button>
          </div>
        }
      >
        <StatusTabs list={list} counts={counts} />
        <TaskRows
          rows={rows.state === 'ready' ? { ...rows, value: { ...rows.value, items: listed } } : rows}
          list={list}
        />
      </Panel>
    </div>
  );
}

/**
 * What can be done to every task of the view: retry the failed ones, cancel a workflow's queued ones,
 * remove the finished ones (all finished statuses on the All tab).
 */
function BulkActions({ list, onDone }: { list: TaskListView; onDone: () => void }) {
  if (list.status === 'queued' && list.workflow)
    return <CancelAllQueued workflow={list.workflow} onDone={onDone} />;
  if (list.status !== null && !isTerminalStatus(list.status)) return null;
  return (
    <>
      {list.status === 'failed' ? <RetryAllFailed workflow={list.workflow} onDone={onDone} /> : null}
      <CleanFinished status={list.status} workflow={list.workflow} onDone={onDone} />
    </>
  );
}

/** The server's counts for the workflow (or all); the live feed's own when the server has no metrics. */
function useStatusCounts(workflow: string | null): { counts: StatusCounts; windowSeconds: number } | null {
  const metrics = useServerMetrics();
  const live = useLiveTasks();
  if (metrics.state === 'ready' && metrics.value.state === 'ready') {
    const snapshot = metrics.value.value;
    const slice = workflow ? snapshot.by_workflow[workflow] : snapshot;
    return {
      // A workflow the snapshot does not name has no tasks in it.
      counts: slice ? statusCountsFromServer(slice) : statusCountsFromTasks([], new Set()),
      windowSeconds: snapshot.window_seconds,
    };
  }
  if (metrics.state === 'loading' || !live.loaded) return null;
  const tasks = live.store.all().filter((task) => !workflow || task.workflow === workflow);
  return {
    counts: statusCountsFromTasks(tasks, live.truncatedStatuses),
    windowSeconds: FINISHED_RETENTION_MS / 1000,
  };
}

function StatusTabs({
  list,
  counts,
}: {
  list: TaskListView;
  counts: { counts: StatusCounts; windowSeconds: number } | null;
}) {
  const tab = (status: TaskStatus | null, label: string) => {
    const count = counts ? (status ? counts.counts[status] : totalCount(counts.counts)) : null;
    const current = status === list.status;
    return (
      <a
        key={label}
        href={taskListHref({ ...list, status, cursor: null, page: 1 })}
        class={current ? 'status-tab active' : 'status-tab'}
        aria-current={current ? 'page' : undefined}
        data-testid={`status-tab-${status ?? 'all'}`}
      >
        {label} <span class="count">{count ? formatCount(count) : '…'}</span>
      </a>
    );
  };
  return (
    <>
      <nav class="status-tabs" aria-label="Status">
        {tab(null, 'All')}
        {TASK_STATUSES.map((status) => tab(status, status))}
      </nav>
      <p class="hint">
        {listOrderOf(list.status) === 'next_to_run'
          ? 'In the order they will run: priority (high first), then when each became runnable (run_at, or its submit). A task queued again (a retry, a release, a redrive) may start sooner or later than listed.'
          : 'Newest first.'}{' '}
        Finished counts are those of the last {formatWindow(counts?.windowSeconds ?? 3600)} (≥: the list holds
        older ones too). The list is read again when statuses change, and on Refresh.
      </p>
    </>
  );
}

function TaskRows({ rows, list }: { rows: Loadable<ListTasksOutput>; list: TaskListView }) {
  if (rows.state === 'loading') return <Loading />;
  if (rows.state === 'error') return <ErrorNotice message={rows.message} />;
  const { items, next_cursor: next } = rows.value;
  return (
    <>
      {items.length === 0 ? (
        <div class="empty" data-state="empty">
          <strong>{list.page > 1 ? 'No more tasks.' : 'No tasks match.'}</strong>
        </div>
      ) : (
        <TaskTable tasks={items} />
      )}
      <TaskListPager list={list} next={next} count={items.length} />
    </>
  );
}

function TaskTable({ tasks }: { tasks: TaskSummary[] }) {
  return (
    <table class="table" data-testid="task-list">
      <thead>
        <tr>
          <th>Task</th>
          <th>Status</th>
          <th>Priority</th>
          <th>Created</th>
          <th>Finished</th>
          <th>Run time</th>
          <th>Runs</th>
          <th>Step / error</th>
        </tr>
      </thead>
      <tbody>
        {tasks.map((task) => (
          <TaskRow key={task.task_id} task={task}>
            <td>
              <span class={`priority priority-${task.priority}`}>{task.priority}</span>
            </td>
            <td>{formatTime(task.created_at)}</td>
            <td>{formatTime(task.completed_at)}</td>
            <td>{formatDuration(secondsBetween(task.started_at, task.completed_at))}</td>
            <td>{task.attempt}</td>
            <td class="step">
              {task.error ? <span class="error-code">{task.error.code}</span> : (task.step ?? '—')}
              {task.error ? (
                <small>{task.error.message}</small>
              ) : task.message ? (
                <small>{task.message}</small>
              ) : null}
            </td>
          </TaskRow>
        ))}
      </tbody>
    </table>
  );
}
