import { isTerminalStatus, type TaskView } from '@kaygraph/contracts';
import { useQuery, useServices } from '../data/hooks.ts';
import { formatTime } from '../lib/format.ts';
import { href } from '../router.ts';

/**
 * On a task's page: an unfinished task whose workflow is paused says so, and since when, instead of
 * sitting queued unexplained; Resume is on the workflow's page.
 */
export function WorkflowPausedNotice({ task }: { task: TaskView }) {
  const { api } = useServices();
  // Read again as the task changes status: a resume lets it start.
  const [workflows] = useQuery(`workflows:${task.task_id}:${task.status}`, () => api.listWorkflows());
  if (isTerminalStatus(task.status) || workflows.state !== 'ready') return null;
  const workflow = workflows.value.find((info) => info.name === task.workflow);
  if (!workflow?.paused) return null;
  return (
    <div class="notice notice-partial" role="status" data-testid="workflow-paused">
      {`Workflow ${workflow.name} is paused${workflow.paused_at ? ` since ${formatTime(workflow.paused_at)}` : ''}: no worker starts its tasks until it is resumed (`}
      <a href={href({ page: 'submit', workflow: workflow.name })}>its page</a>
      {').'}
    </div>
  );
}
