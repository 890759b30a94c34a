import { type TaskView, versionRunningNowhere } from '@kaygraph/contracts';
import { useQuery, useServices } from '../data/hooks.ts';
import { href } from '../router.ts';

/**
 * On a task's page: a task that still has to run while no live worker runs its workflow version says so,
 * and where to move it, instead of sitting queued unexplained.
 */
export function VersionNowhere({ task }: { task: TaskView }) {
  const { api } = useServices();
  // Read again as the task changes status: a worker may have started, or the task been moved.
  const [workflows] = useQuery(`workflows:${task.task_id}:${task.status}:${task.workflow_version}`, () =>
    api.listWorkflows(),
  );
  if (workflows.state !== 'ready') return null;
  const nowhere = versionRunningNowhere(task, workflows.value);
  if (!nowhere) return null;
  const { version } = nowhere.version;
  return (
    <div class="notice notice-partial" role="status" data-testid="version-nowhere">
      {nowhere.version.current ? (
        `No live worker runs version ${version} of ${nowhere.workflow}: the task waits until one starts.`
      ) : (
        <>
          {`Version ${version} of ${nowhere.workflow} was retired and no live worker runs it: the task runs nowhere until it is moved to the current version (`}
          <a href={href({ page: 'submit', workflow: nowhere.workflow })}>Versions panel</a>
          {`, or kaygraph workflows move-tasks ${nowhere.workflow} ${version}).`}
        </>
      )}
    </div>
  );
}
