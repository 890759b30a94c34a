import { ListWorkflowsOutput, type TaskView } from '@kaygraph/contracts';
import type { CliSession } from './session.ts';

/** Statuses of a task that still needs a worker of its version to run (again). */
const NEEDS_A_RUN = new Set(['pending', 'queued', 'blocked', 'scheduled', 'waiting']);

/**
 * A task's workflow version as `status` shows it. Only workers of that version run the task, so when it
 * still needs a run and none of them is alive (every worker stopped, or a release retired the version
 * before a redrive brought the task back), say so and what to do: otherwise it sits `queued` unexplained.
 */
export async function describeTaskVersion(s: CliSession, task: TaskView): Promise<string | null> {
  const version = task.workflow_version;
  if (version === null || !NEEDS_A_RUN.has(task.status)) return version;
  const listed = ListWorkflowsOutput.safeParse(
    await s.procedure('query', 'workflows.list', undefined).catch(() => undefined),
  );
  if (!listed.success) return version;
  const workflow = listed.data.workflows.find(
    (candidate) => candidate.name === task.workflow || candidate.aliases.includes(task.workflow),
  );
  const info = workflow?.versions.find((candidate) => candidate.version === version);
  if (!workflow || !info || info.workers.length > 0) return version;
  return info.current
    ? `${version} (no live worker runs it: the task waits until one starts)`
    : `${version} (retired: no live worker runs it; move its tasks with \`kaygraph workflows move-tasks ${workflow.name} ${version}\`)`;
}
