import type { TaskEvent, TaskView } from '@kaygraph/contracts';

/**
 * Keeps a task view's `wait` current from its events: set when it begins to wait, counted on as
 * children finish, cleared when it moves on (queued again after a signal, cancelled ...).
 */
export function applyWaitEvent(task: TaskView, event: TaskEvent): TaskView {
  switch (event.type) {
    case 'waiting':
      return { ...task, wait: event.wait };
    case 'child_finished':
      return task.wait?.kind === 'children'
        ? { ...task, wait: { ...task.wait, finished: event.finished } }
        : task;
    case 'status':
      return event.status === 'waiting' || task.wait === null ? task : { ...task, wait: null };
    default:
      return task;
  }
}
