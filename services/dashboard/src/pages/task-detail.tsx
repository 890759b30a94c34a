import type { TaskEvent, TaskView } from '@kaygraph/contracts';
import { useEffect, useState } from 'preact/hooks';
import { ArtifactDownload } from '../components/artifact-download.tsx';
import { NodeMetrics } from '../components/node-metrics.tsx';
import { ProgressBar } from '../components/progress-bar.tsx';
import { ProgressHistory } from '../components/progress-history.tsx';
import { RemoveTask } from '../components/remove-task.tsx';
import { EmptyState, ErrorNotice, Loading, Panel } from '../components/states.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { TaskActions } from '../components/task-actions.tsx';
import { VersionNowhere } from '../components/version-nowhere.tsx';
import { WaitSection } from '../components/wait-panel.tsx';
import { WorkflowPausedNotice } from '../components/workflow-paused-notice.tsx';
import { errorLine, useLiveTasks, useNow, useServices } from '../data/hooks.ts';
import { TaskFollower } from '../data/task-follower.ts';
import { applyEvent } from '../data/task-store.ts';
import { applyWaitEvent } from '../data/task-wait.ts';
import { formatDuration, formatEta, formatTime } from '../lib/format.ts';
import { type RunClock, runClockOf, runTimeText } from '../lib/run-time.ts';
import { href, taskHref } from '../router.ts';

/** One task: live state, its whole event history (replayed by tasks.events), node metrics, result. */
export function TaskDetailPage({ taskId }: { taskId: string }) {
  const { api } = useServices();
  const live = useLiveTasks();
  const [task, setTask] = useState<TaskView | null>(null);
  const [runClock, setRunClock] = useState<RunClock | null>(null);
  const [events, setEvents] = useState<TaskEvent[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [streamError, setStreamError] = useState<string | null>(null);
  // A failed read of the task: the follower tries again by itself.
  const [readError, setReadError] = useState<string | null>(null);

  const [follower, setFollower] = useState<TaskFollower | null>(null);

  useEffect(() => {
    setTask(null);
    setRunClock(null);
    setEvents([]);
    setError(null);
    setStreamError(null);
    setReadError(null);
    // The replay brings every stored event first, so the history is complete even for a task
    // that finished long ago.
    const next = new TaskFollower(api, taskId, {
      onEvent: (event) => {
        setStreamError(null);
        setEvents((previous) => [...previous, event]);
        setTask((previous) => (previous ? applyWaitEvent(applyEvent(previous, event), event) : previous));
      },
      onTask: (view) => {
        setReadError(null);
        setTask(view);
        setRunClock(runClockOf(view, performance.now()));
      },
      onError: (cause, source) => {
        const details = api.describeError(cause);
        const text = errorLine(details);
        if (details.code === 'NOT_FOUND') setError(text);
        else if (source === 'read') setReadError(text);
        else setStreamError(text);
      },
    });
    next.start();
    setFollower(next);
    return () => next.stop();
  }, [api, taskId]);

  // The feed says the task changed after its stream ended (retried, redriven elsewhere): catch up.
  const known = live.store.get(taskId);
  useEffect(() => {
    if (known && task && Date.parse(known.updated_at) > Date.parse(task.updated_at)) follower?.nudge();
  }, [known?.updated_at, task?.updated_at, follower]);

  // Ticks the run time of a running task (re-renders; the elapsed time is performance.now()'s).
  useNow(1000);

  if (error) return <ErrorNotice message={error} />;
  // Refused before anything loaded (a malformed id, no API key): say why, not "Loading…" forever.
  if (!task) {
    const refused = readError ?? streamError;
    return refused ? <ErrorNotice message={refused} /> : <Loading />;
  }
  return (
    <div class="page" data-task-id={task.task_id}>
      <header class="task-header">
        <div>
          <h1>
            {task.workflow} <StatusBadge status={task.status} />
          </h1>
          <code class="muted">{task.task_id}</code>
        </div>
        <span class="actions">
          <TaskActions task={task} />
          <RemoveTask task={task} />
        </span>
      </header>
      <WorkflowPausedNotice task={task} />
      <VersionNowhere task={task} />
      <WaitSection task={task} />
      <Panel title="Progress">
        <ProgressBar value={task.progress} status={task.status} />
        <dl class="facts">
          <dt>Step</dt>
          <dd>{task.step ?? '—'}</dd>
          <dt>Message</dt>
          <dd>{task.message ?? '—'}</dd>
          <dt>ETA</dt>
          <dd>{task.status === 'running' ? formatEta(task.eta_seconds) : '—'}</dd>
          <dt>Priority</dt>
          <dd>{task.priority}</dd>
          <dt>Version</dt>
          <dd>{task.workflow_version ? <code>{task.workflow_version}</code> : '—'}</dd>
          <dt>Runs</dt>
          <dd title="A retry, a resumption after a wait and a requeue each count a run; only failed runs spend retries">
            {task.attempt} ({task.max_retries} {task.max_retries === 1 ? 'retry' : 'retries'} allowed)
          </dd>
          <dt>Created</dt>
          <dd>{formatTime(task.created_at)}</dd>
          {task.run_at ? (
            <>
              <dt>Runs at</dt>
              <dd>{formatTime(task.run_at)}</dd>
            </>
          ) : null}
          <dt>Started</dt>
          <dd>{formatTime(task.started_at)}</dd>
          <dt>Finished</dt>
          <dd>{formatTime(task.completed_at)}</dd>
          <dt>Run time</dt>
          <dd data-testid="run-time">{runTimeText(task, runClock, performance.now())}</dd>
          <dt>Timeout</dt>
          <dd>{formatDuration(task.timeout_seconds)}</dd>
          {task.group_id ? (
            <>
              <dt>Group</dt>
              <dd>
                <a href={href({ page: 'group', groupId: task.group_id })}>
                  <code>{task.group_id}</code>
                </a>
              </dd>
            </>
          ) : null}
          {task.concurrency_key !== null ? (
            <>
              <dt>Concurrency key</dt>
              <dd title="At most the workflow's concurrency_per_key tasks with this key run at once">
                <code>{task.concurrency_key}</code>
              </dd>
            </>
          ) : null}
          {task.depends_on.length > 0 ? (
            <>
              <dt>Depends on</dt>
              <dd>
                {task.depends_on.map((id) => (
                  <a key={id} href={taskHref(id)}>
                    <code>{id.slice(0, 8)}</code>{' '}
                  </a>
                ))}
              </dd>
            </>
          ) : null}
        </dl>
        {streamError ? <ErrorNotice message={`Live updates interrupted: ${streamError}`} /> : null}
        {readError ? <ErrorNotice message={`Could not read the task (trying again): ${readError}`} /> : null}
      </Panel>
      {task.error ? (
        <Panel title="Error">
          <p class="error-message">
            <span class="error-code">{task.error.code}</span> {task.error.message}
          </p>
        </Panel>
      ) : null}
      <Panel title="Progress history">
        <ProgressHistory events={events} />
      </Panel>
      <Panel title="Per-node metrics">
        <NodeMetrics task={task} />
      </Panel>
      <div class="columns">
        <Panel title="Params">
          <pre class="json">{JSON.stringify(task.params, null, 2)}</pre>
        </Panel>
        <Panel title="Result">
          {task.result === undefined ? (
            <NoResult task={task} />
          ) : (
            <pre class="json">{JSON.stringify(task.result, null, 2)}</pre>
          )}
          {task.artifacts.length > 0 ? (
            <ul class="artifacts">
              {task.artifacts.map((artifact) => (
                <li key={artifact.name}>
                  <code>{artifact.name}</code> · {artifact.content_type} · {artifact.size} bytes{' '}
                  <ArtifactDownload taskId={task.task_id} artifact={artifact} />
                </li>
              ))}
            </ul>
          ) : null}
        </Panel>
      </div>
    </div>
  );
}

/** Why a task has no result: not finished yet, or finished without one. */
function NoResult({ task }: { task: TaskView }) {
  switch (task.status) {
    case 'failed':
      return (
        <EmptyState title="No result: the task failed">
          {task.error ? 'Its error is shown above.' : 'It recorded no error.'}
        </EmptyState>
      );
    case 'cancelled':
      return <EmptyState title="No result: the task was cancelled" />;
    case 'completed':
      return <EmptyState title="The task completed without a result" />;
    default:
      return <EmptyState title="No result yet" />;
  }
}
