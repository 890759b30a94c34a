import { DomainError } from '@kaygraph/contracts';
import type { Executor } from '../db.ts';
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

/**
 * The names a task of the workflow the caller names may be stored under: that name, and when it resolves,
 * the workflow's current name and its aliases (a task submitted as `rag_indexing` is stored as
 * `document_indexing`; one stored before a rename keeps the former name). What a filter by workflow
 * (lists, bulk cancels, redrives) matches, so it finds the tasks the caller submitted under that name.
 */
export async function storedWorkflowNames(
  registry: WorkflowRegistry,
  named: string,
  db?: Executor,
): Promise<string[]> {
  const workflow = (await registry.resolve([named], db)).get(named);
  return [...new Set([named, ...(workflow ? [workflow.name, ...workflow.aliases] : [])])];
}
