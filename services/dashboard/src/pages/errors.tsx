import { EmptyState, Panel } from '../components/states.tsx';
import { TaskActions } from '../components/task-actions.tsx';
import { useLiveTasks, useNow } from '../data/hooks.ts';
import { formatRelative, formatTime, shortId } from '../lib/format.ts';
import { taskHref } from '../router.ts';

/** Failed tasks of the last hour, newest first, each with its error and stack. */
export function ErrorsPage() {
  const live = useLiveTasks();
  const now = useNow(10_000);
  const failed = live.store
    .all()
    .filter((task) => task.status === 'failed')
    .sort((a, b) => (b.completed_at ?? b.updated_at).localeCompare(a.completed_at ?? a.updated_at));

  return (
    <div class="page">
      <Panel title={`Error log · ${failed.length} failed in the last hour`}>
        {failed.length === 0 ? (
          <EmptyState title="No failures">Tasks that fail after their last retry are listed here.</EmptyState>
        ) : (
          <ul class="error-log" data-testid="error-log">
            {failed.map((task) => (
              <li key={task.task_id} class="error-entry" data-task-id={task.task_id}>
                <div class="error-head">
                  <span class="error-code">{task.error?.code ?? 'ERROR'}</span>
                  <a href={taskHref(task.task_id)} class="task-link">
                    <span class="workflow">{task.workflow}</span>
                    <code>{shortId(task.task_id)}</code>
                  </a>
                  <span class="muted" title={formatTime(task.completed_at)}>
                    {formatRelative(task.completed_at, now)} · attempt {task.attempt}
                    {task.error?.node_id ? ` · node ${task.error.node_id}` : ''}
                  </span>
                  <TaskActions task={task} />
                </div>
                <p class="error-message">{task.error?.message ?? 'no error message recorded'}</p>
                {task.error?.stack ? (
                  <details>
                    <summary>Stack trace</summary>
                    <pre class="stack">{task.error.stack}</pre>
                  </details>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </Panel>
    </div>
  );
}
