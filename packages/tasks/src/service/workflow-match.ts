import { DomainError } from '@kaygraph/contracts';
import type { WorkflowRegistry } from '../registry/workflow-registry.ts';

/**
 * CONFLICT unless a task is of the workflow the caller names: its name or an alias of it as registered now
 * (a task stored under a workflow's former name matches the workflow's new name too). A typed client
 * names the workflow its result type assumes, so a wrong assumption fails here instead of in its code.
 */
export async function assertTaskWorkflow(
  registry: WorkflowRegistry,
  task: { id: string; workflow: string },
  named: string,
): Promise<void> {
  if (task.workflow === named) return;
  const workflow = (await registry.resolve([named])).get(named);
  if (workflow && (workflow.name === task.workflow || workflow.aliases.includes(task.workflow))) return;
  throw new DomainError('CONFLICT', `task ${task.id} is of workflow "${task.workflow}", not "${named}"`, {
    issues: [{ path: 'workflow', message: `the task is of workflow "${task.workflow}"` }],
  });
}
