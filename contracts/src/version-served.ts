import type { TaskStatus } from './common.ts';
import type { WorkflowInfo, WorkflowVersionInfo } from './workflows.ts';

// Types only at runtime: the dashboard's bundle and the CLI read it alike.

/** Statuses of a task that still needs a run (or another) by a worker of its workflow version. */
const NEEDS_A_RUN: ReadonlySet<TaskStatus> = new Set([
  'pending',
  'queued',
  'blocked',
  'scheduled',
  'waiting',
]);

/** Whether a task in this status still needs a run (or another) by a worker of its version. */
export function taskNeedsARun(status: TaskStatus): boolean {
  return NEEDS_A_RUN.has(status);
}

/**
 * The version of a task that still has to run when no live worker runs it (`workflows.list` says so), else
 * null. Only workers of a task's version run it: with none, it sits in its status unexplained. A current
 * version waits for a worker to start; a retired one (a release changed the workflow) runs nowhere until
 * `move-tasks` moves its tasks to the current version.
 */
export function versionRunningNowhere(
  task: { workflow: string; workflow_version: string | null; status: TaskStatus },
  workflows: readonly WorkflowInfo[],
): { workflow: string; version: WorkflowVersionInfo } | null {
  if (task.workflow_version === null || !taskNeedsARun(task.status)) return null;
  const workflow = workflows.find(
    (candidate) => candidate.name === task.workflow || candidate.aliases.includes(task.workflow),
  );
  const version = workflow?.versions.find((candidate) => candidate.version === task.workflow_version);
  if (!workflow || !version || version.workers.length > 0) return null;
  return { workflow: workflow.name, version };
}
