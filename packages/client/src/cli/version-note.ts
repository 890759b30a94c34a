import type { TaskView } from '@kaygraph/contracts';

/**
 * A task's workflow version as `status` shows it; when the task still has to run and no live worker runs
 * that version (the task's `version_state`), why it does not move and what to do.
 */
export function describeTaskVersion(task: TaskView): string | null {
  const version = task.workflow_version;
  if (version === null) return null;
  switch (task.version_state) {
    case 'awaiting_worker':
      return `${version} (no live worker runs it: the task waits until one starts)`;
    case 'retired':
      return `${version} (retired: no live worker runs it; move its tasks with \`kaygraph workflows move-tasks ${task.workflow} ${version}\`)`;
    default:
      return version;
  }
}
