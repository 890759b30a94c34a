import {
  ListWorkflowsOutput,
  type TaskView,
  taskNeedsARun,
  versionRunningNowhere,
} from '@kaygraph/contracts';
import type { CliSession } from './session.ts';

/**
 * A task's workflow version as `status` shows it; when the task still has to run and no live worker runs
 * that version, why it does not move and what to do.
 */
export async function describeTaskVersion(s: CliSession, task: TaskView): Promise<string | null> {
  const version = task.workflow_version;
  if (version === null || !taskNeedsARun(task.status)) return version;
  const listed = ListWorkflowsOutput.safeParse(
    await s.procedure('query', 'workflows.list', undefined).catch(() => undefined),
  );
  const nowhere = listed.success ? versionRunningNowhere(task, listed.data.workflows) : null;
  if (!nowhere) return version;
  return nowhere.version.current
    ? `${version} (no live worker runs it: the task waits until one starts)`
    : `${version} (retired: no live worker runs it; move its tasks with \`kaygraph workflows move-tasks ${nowhere.workflow} ${version}\`)`;
}
