import type { GroupView } from '@kaygraph/contracts';
import { isTerminalStatus } from '@kaygraph/contracts';
import { useEffect, useRef, useState } from 'preact/hooks';
import { CancelGroup } from '../components/cancel-group.tsx';
import { LoadMore } from '../components/load-more.tsx';
import { ProgressBar } from '../components/progress-bar.tsx';
import { EmptyState, ErrorNotice, Loading, Panel, Unavailable } from '../components/states.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { TaskRow } from '../components/task-row.tsx';
import { errorMessage, useNow, useServices } from '../data/hooks.ts';
import { formatRelative, formatTime } from '../lib/format.ts';
import { progressTone } from '../lib/group-tone.ts';

/** One group: its summary and its tasks with their results, page by page, kept live by `groups.events`. */
export function GroupDetailPage({ groupId }: { groupId: string }) {
  const { api } = useServices();
  const now = useNow(10_000);
  const [group, setGroup] = useState<GroupView | null>(null);
  const [problem, setProblem] = useState<{ kind: 'error' | 'unavailable'; message: string } | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [loadMoreError, setLoadMoreError] = useState<string | null>(null);

  // How many tasks the page shows (pages loaded with "Load more" included), for a reload to keep them.
  const shown = useRef(0);
  shown.current = group?.tasks.length ?? 0;
  // Reads the group again, as many tasks as are shown (after a cancel from this page).
  const reload = useRef<() => void>(() => {});

  useEffect(() => {
    let current = true;
    // Reads can overlap (the first load, a reload after an action, the one when the group finishes): only the
    // newest one started may set the view, so a slow older read never puts back an older state (the first
    // read's failure is still shown: no view may have come yet).
    let newestRead = 0;
    /**
     * The group from its first page on, with as many pages as it takes to show `atLeast` tasks. Only the
     * first read's failure replaces the page: a reload that fails keeps what is shown (and an action's
     * outcome beside it); the live feed goes on updating it.
     */
    const load = async (atLeast = 0, reloading = false) => {
      const read = ++newestRead;
      const applies = () => current && read === newestRead;
      try {
        const answer = await api.optional.group(groupId);
        if (answer.state !== 'ready') {
          if (current && !reloading) setProblem({ kind: 'unavailable', message: answer.reason });
          return;
        }
        let view = answer.value;
        while (view.tasks.length < atLeast && view.tasks_next_cursor) {
          const next = await api.optional.group(groupId, view.tasks_next_cursor);
          if (next.state !== 'ready') break;
          view = {
            ...view,
            tasks: [...view.tasks, ...next.value.tasks],
            tasks_next_cursor: next.value.tasks_next_cursor,
          };
        }
        if (applies()) {
          setGroup(view);
          setLoadMoreError(null);
        }
      } catch (cause) {
        if (current && !reloading) setProblem({ kind: 'error', message: errorMessage(cause) });
      }
    };
    void load();
    reload.current = () => void load(shown.current, true);
    const unsubscribe = api.optional.groupEvents(groupId, {
      onData: (event) => {
        if (!current) return;
        if (event.type === 'group') {
          setGroup((previous) => (previous ? { ...previous, ...event.group } : previous));
          return;
        }
        const change = event.event;
        if (change.type !== 'status' && change.type !== 'progress') return;
        setGroup((previous) =>
          previous
            ? {
                ...previous,
                tasks: previous.tasks.map((task) =>
                  task.task_id !== change.task_id
                    ? task
                    : change.type === 'progress'
                      ? { ...task, progress: change.progress }
                      : {
                          ...task,
                          status: change.status,
                          error: change.error,
                          progress: change.progress ?? task.progress,
                        },
                ),
              }
            : previous,
        );
      },
      // Results arrive with the tasks themselves: read the group again once it has finished, as many
      // tasks as were shown.
      onComplete: () => {
        if (current) void load(shown.current, true);
      },
      onError: () => {
        // Not every server streams groups; the page still shows what groups.get answered.
      },
    });
    return () => {
      current = false;
      unsubscribe();
    };
  }, [api, groupId]);

  // The next page of tasks joins those shown; the summary stays the live one.
  const loadMore = () => {
    const cursor = group?.tasks_next_cursor;
    if (!cursor) return;
    setLoadingMore(true);
    setLoadMoreError(null);
    api.optional
      .group(groupId, cursor)
      .then(
        (answer) => {
          if (answer.state !== 'ready') return;
          setGroup((previous) =>
            previous && previous.tasks_next_cursor === cursor
              ? {
                  ...previous,
                  tasks: [...previous.tasks, ...answer.value.tasks],
                  tasks_next_cursor: answer.value.tasks_next_cursor,
                }
              : previous,
          );
        },
        (cause: unknown) => setLoadMoreError(errorMessage(cause)),
      )
      .finally(() => setLoadingMore(false));
  };

  if (problem?.kind === 'unavailable') return <Unavailable feature="Task groups" reason={problem.message} />;
  if (problem) return <ErrorNotice message={problem.message} />;
  if (!group) return <Loading />;
  return (
    <div class="page" data-group-id={group.group_id}>
      <header class="task-header">
        <div>
          <h1>
            {group.name} <StatusBadge status={group.status} />
          </h1>
          <code class="muted">{group.group_id}</code>
        </div>
        <CancelGroup
          group={group}
          onCancelled={(output) => {
            setGroup((previous) => (previous ? { ...previous, status: output.status } : previous));
            reload.current();
          }}
        />
      </header>
      <Panel title="Progress">
        <ProgressBar value={group.progress} status={progressTone(group.status)} />
        <dl class="facts">
          <dt>Tasks</dt>
          <dd>{group.total}</dd>
          <dt>Created</dt>
          <dd title={formatTime(group.created_at)}>{formatRelative(group.created_at, now)}</dd>
          <dt>Finished</dt>
          <dd>{formatTime(group.completed_at)}</dd>
        </dl>
      </Panel>
      <Panel title="Tasks and results">
        {group.tasks.length === 0 ? (
          <EmptyState title="This group has no tasks" />
        ) : (
          <table class="table" data-testid="group-tasks">
            <thead>
              <tr>
                <th>Task</th>
                <th>Status</th>
                <th class="col-progress">Progress</th>
                <th>Result or error</th>
              </tr>
            </thead>
            <tbody>
              {group.tasks.map((task) => (
                <TaskRow key={task.task_id} task={task}>
                  <td>
                    <ProgressBar value={task.progress} status={task.status} />
                  </td>
                  <td class="result-cell">
                    {task.error ? (
                      <>
                        <span class="error-code">{task.error.code}</span> {task.error.message}
                      </>
                    ) : task.result !== undefined && isTerminalStatus(task.status) ? (
                      <code>{preview(task.result)}</code>
                    ) : (
                      '—'
                    )}
                  </td>
                </TaskRow>
              ))}
            </tbody>
          </table>
        )}
        {group.tasks_next_cursor ? (
          <p class="muted">
            Showing {group.tasks.length} of {group.total} tasks.{' '}
            <LoadMore list={{ more: true, loadingMore, loadMoreError, loadMore }} />
          </p>
        ) : null}
      </Panel>
    </div>
  );
}

/** One line of JSON, cut short: the task page has the whole result. */
function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}
