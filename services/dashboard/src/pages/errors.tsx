import type { TaskSummary } from '@kaygraph/contracts';
import { useState } from 'preact/hooks';
import { RetryAllFailed } from '../components/bulk-actions.tsx';
import { EmptyState, ErrorNotice, Panel } from '../components/states.tsx';
import { TaskActions } from '../components/task-actions.tsx';
import { TaskLink } from '../components/task-link.tsx';
import { errorMessage, useLiveTasks, useNow, useServices } from '../data/hooks.ts';
import { queueCounts, useServerMetrics } from '../data/queue-counts.ts';
import { useDropRemovedFailures } from '../data/removed-failures.ts';
import { nextUnseenPage } from '../data/unseen-page.ts';
import { formatRelative, formatTime, formatWindow } from '../lib/format.ts';
import { formatCount } from '../lib/status-counts.ts';

const OLDER_PAGE = 50;

/** Failed tasks, newest first, each with its error: the last hour live, older on demand. */
export function ErrorsPage() {
  const { api } = useServices();
  const live = useLiveTasks();
  const now = useNow(10_000);
  const recent = live.store
    .all()
    .filter((task) => task.status === 'failed')
    .sort((a, b) => finishedAt(b).localeCompare(finishedAt(a)));
  const [older, setOlder] = useState<OlderFailures>({ items: [], from: null, done: false });
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const counts = queueCounts(
    useServerMetrics(),
    { loaded: live.loaded, tasks: live.store.all(), truncated: live.truncatedStatuses },
    now,
  );

  // Older failures go on from where the page's own list of them stopped (its snapshot's last page,
  // then each page read here), skipping what is shown already.
  const loadOlder = async () => {
    setLoading(true);
    setError(null);
    const seen = new Set(older.items.map((task) => task.task_id));
    try {
      const page = await nextUnseenPage(
        (cursor) => api.listTasks({ status: 'failed', limit: OLDER_PAGE, cursor }),
        older.from ? older.from.cursor : live.resumeCursor('failed'),
        (task) => seen.has(task.task_id) || live.store.has(task.task_id),
      );
      setOlder((previous) => ({
        items: [...previous.items, ...page.items],
        from: { cursor: page.cursor ?? undefined },
        done: page.cursor === null,
      }));
    } catch (cause) {
      setError(errorMessage(cause));
    } finally {
      setLoading(false);
    }
  };

  // A task retried since is no longer a failure: whatever the live store knows, it knows better.
  const earlier = older.items.filter((task) => !live.store.has(task.task_id));

  useDropRemovedFailures([...recent, ...earlier], (gone) =>
    setOlder((previous) => ({
      ...previous,
      items: previous.items.filter((task) => !gone.has(task.task_id)),
    })),
  );
  const failed = counts.state === 'ready' ? formatCount(counts.total.failed) : '…';
  const span = counts.state === 'ready' ? formatWindow(counts.windowSeconds) : '1 h';

  return (
    <div class="page">
      <Panel
        title={`Error log · ${failed} failed in the last ${span}`}
        actions={recent.length > 0 || earlier.length > 0 ? <RetryAllFailed workflow={null} /> : null}
      >
        {recent.length === 0 && earlier.length === 0 ? (
          <EmptyState title="No failures in the last hour">
            Tasks that fail after their last retry are listed here.
          </EmptyState>
        ) : (
          <ul class="error-log" data-testid="error-log">
            {[...recent, ...earlier].map((task) => (
              <ErrorEntry key={task.task_id} task={task} now={now} />
            ))}
          </ul>
        )}
        {error ? <ErrorNotice message={error} /> : null}
        {older.done ? (
          <p class="hint more-rows">No older failures.</p>
        ) : (
          <button type="button" class="button" disabled={loading} onClick={loadOlder}>
            {loading ? 'Loading…' : 'Load older failures'}
          </button>
        )}
      </Panel>
    </div>
  );
}

interface OlderFailures {
  items: TaskSummary[];
  /** Where the next read starts; null before the first (it starts where the live snapshot stopped). */
  from: { cursor: string | undefined } | null;
  done: boolean;
}

function finishedAt(task: TaskSummary): string {
  return task.completed_at ?? task.updated_at;
}

function ErrorEntry({ task, now }: { task: TaskSummary; now: number }) {
  return (
    <li class="error-entry" data-task-id={task.task_id}>
      <div class="error-head">
        <span class="error-code">{task.error?.code ?? 'ERROR'}</span>
        <TaskLink task={task} />
        <span class="muted" title={formatTime(task.completed_at)}>
          {formatRelative(task.completed_at, now)} · attempt {task.attempt}
          {task.error?.node_id ? ` · node ${task.error.node_id}` : ''}
        </span>
        <TaskActions task={task} />
      </div>
      <p class="error-message">{task.error?.message ?? 'no error message recorded'}</p>
    </li>
  );
}
