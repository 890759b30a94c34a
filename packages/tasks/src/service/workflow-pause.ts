import { DomainError, WorkflowNameInput, type WorkflowPauseView } from '@kaygraph/contracts';
import type { Caller } from '../caller.ts';
import type { TaskContext } from '../context.ts';
import { setWorkflowPaused } from '../store/workflow-pauses.ts';
import { runTransaction } from '../transaction.ts';

/**
 * Pauses (`paused` true) or resumes a registered workflow (by its name or an alias), for every worker: while paused its tasks are
 * submitted and stay queued, running ones finish, and no worker starts one (a retry or a wait's wake-up
 * neither). The answer comes once the pause is committed and every claim of the workflow in flight when it
 * was asked has committed: no claim of it starts after that, on any worker. A resume wakes the workers at
 * once. Admins only: it holds every owner's tasks.
 */
export async function pauseWorkflow(
  ctx: TaskContext,
  caller: Caller,
  raw: WorkflowNameInput,
  paused: boolean,
): Promise<WorkflowPauseView> {
  const parsed = WorkflowNameInput.safeParse(raw);
  if (!parsed.success) throw DomainError.invalidInput('invalid workflow name', parsed.error);
  if (!caller.admin) throw new DomainError('FORBIDDEN', 'pausing or resuming a workflow needs an admin key');
  // By its name or an alias, as a submit finds it; the pause is kept under its name.
  const name = (await ctx.workflows.resolve([parsed.data.name])).get(parsed.data.name)?.name;
  if (name === undefined) {
    throw new DomainError('NOT_FOUND', `no workflow named "${parsed.data.name}" is registered`);
  }
  const pause = await runTransaction(ctx.db, (tx) => setWorkflowPaused(tx, name, paused, caller.owner));
  return {
    name,
    paused: pause.pausedAt !== null,
    paused_at: pause.pausedAt?.toISOString() ?? null,
    paused_by: pause.pausedBy,
  };
}
