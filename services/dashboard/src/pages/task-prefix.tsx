import { useEffect } from 'preact/hooks';
import { EmptyState, ErrorNotice, Loading, Panel } from '../components/states.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { PREFIX_MATCHES, useTaskPrefix } from '../data/task-prefix.ts';
import { formatTime } from '../lib/format.ts';
import { taskHref } from '../router.ts';

/**
 * `#/tasks/<start of an id>` (the 8 characters the lists and the CLI show): the one task it names is
 * opened in its place; several are listed to choose from; none is said plainly.
 */
export function TaskPrefixPage({ prefix }: { prefix: string }) {
  const lookup = useTaskPrefix(prefix);
  const only =
    lookup.state === 'ready' && lookup.value.items.length === 1 && !lookup.value.more
      ? lookup.value.items[0]
      : undefined;
  // Replaced, not pushed: Back leaves the task, not a page that would open it again.
  useEffect(() => {
    if (only) window.location.replace(taskHref(only.task_id));
  }, [only?.task_id]);

  if (lookup.state === 'loading' || only) return <Loading />;
  if (lookup.state === 'error') return <ErrorNotice message={lookup.message} />;
  const { items, more } = lookup.value;
  if (items.length === 0) {
    return (
      <div class="page" data-testid="task-prefix">
        <Panel title={`Task ${prefix}…`}>
          <EmptyState title={`No task starts with “${prefix}”`}>
            None of the tasks you can see has an id that starts with these characters. Check the id, or find
            the task on the Tasks page.
          </EmptyState>
        </Panel>
      </div>
    );
  }
  return (
    <div class="page" data-testid="task-prefix">
      <Panel title={`Tasks whose id starts with ${prefix}`}>
        <p class="hint">
          {more
            ? `More than ${PREFIX_MATCHES} tasks start with “${prefix}”: here are the newest; give more of the id to narrow it.`
            : `${items.length} tasks start with “${prefix}”: choose one.`}
        </p>
        <table class="table" data-testid="prefix-matches">
          <thead>
            <tr>
              <th>Task</th>
              <th>Workflow</th>
              <th>Status</th>
              <th class="col-wide">Created</th>
            </tr>
          </thead>
          <tbody>
            {items.map((task) => (
              <tr key={task.task_id} data-task-id={task.task_id}>
                <td>
                  <a href={taskHref(task.task_id)}>
                    <code>{task.task_id}</code>
                  </a>
                </td>
                <td>{task.workflow}</td>
                <td>
                  <StatusBadge status={task.status} />
                </td>
                <td class="col-wide">{formatTime(task.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Panel>
    </div>
  );
}
