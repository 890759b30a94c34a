import { shortId } from '../lib/format.ts';
import { taskHref } from '../router.ts';

/** A task in a list: its workflow and short id, linking to its page. */
export function TaskLink({ task }: { task: { task_id: string; workflow: string } }) {
  return (
    <a href={taskHref(task.task_id)} class="task-link">
      <span class="workflow">{task.workflow}</span>
      <code>{shortId(task.task_id)}</code>
    </a>
  );
}
