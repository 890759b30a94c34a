import { type TaskView, taskNeedsARun } from '@kaygraph/contracts';
import { href } from '../router.ts';

/**
 * On a task's page: a task that still has to run while no live worker runs its workflow version (its
 * `version_state`) says so, and where to move it, instead of sitting queued unexplained.
 */
export function VersionNowhere({ task }: { task: TaskView }) {
  const version = task.workflow_version;
  // The status follows the task's events; the state is its last read's: a run since ends the notice.
  if (version === null || !taskNeedsARun(task.status)) return null;
  if (task.version_state === 'awaiting_worker') {
    return (
      <div class="notice notice-partial" role="status" data-testid="version-nowhere">
        {`No live worker runs version ${version} of ${task.workflow}: the task waits until one starts.`}
      </div>
    );
  }
  if (task.version_state !== 'retired') return null;
  return (
    <div class="notice notice-partial" role="status" data-testid="version-nowhere">
      {`Version ${version} of ${task.workflow} was retired and no live worker runs it: the task runs nowhere until it is moved to the current version (`}
      <a href={href({ page: 'submit', workflow: task.workflow })}>Versions panel</a>
      {`, or kaygraph workflows move-tasks ${task.workflow} ${version}).`}
    </div>
  );
}
