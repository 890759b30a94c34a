import type { ComponentChildren } from 'preact';
import { StatusBadge } from './status-badge.tsx';
import { TaskLink } from './task-link.tsx';

/** A task's row in a table of tasks: its link and status first, then the table's own cells. */
export function TaskRow({
  task,
  children,
}: {
  task: { task_id: string; workflow: string; status: string };
  children: ComponentChildren;
}) {
  return (
    <tr data-task-id={task.task_id}>
      <td>
        <TaskLink task={task} />
      </td>
      <td>
        <StatusBadge status={task.status} />
      </td>
      {children}
    </tr>
  );
}
