import {
  DomainError,
  type KeptTask,
  MOVE_KEPT_LISTED,
  MoveVersionTasksInput,
  type MoveVersionTasksOutput,
} from '@kaygraph/contracts';
import type { Caller } from '../caller.ts';
import type { TaskContext } from '../context.ts';
import type { RegisteredWorkflow } from '../registry/registered-workflow.ts';
import { versionsNamed } from '../store/registry.ts';
import {
  lockVersionTasks,
  moveTasksToVersion,
  type VersionMove,
  type VersionTask,
} from '../store/version-move.ts';
import { runTransaction } from '../transaction.ts';
import { cancelWaitingJobs } from './control.ts';

/** Tasks one transaction of a move locks and moves. */
const MOVE_PAGE = 500;

/**
 * Moves the unfinished tasks of a workflow version that no live worker runs (an upgrade stopped them all)
 * to the version submits resolve to now, so that its workers run them. A task moves when its params
 * validate against the current version (its defaults applied); a running task stays (its worker is gone:
 * the liveness monitor queues it again, and a second move takes it), and one that resumes from a
 * checkpoint stays unless `include_checkpoints`. Admins only: it changes every owner's tasks. Walks the
 * tasks a page per transaction.
 */
export async function moveVersionTasks(
  ctx: TaskContext,
  caller: Caller,
  raw: MoveVersionTasksInput,
): Promise<MoveVersionTasksOutput> {
  const parsed = MoveVersionTasksInput.safeParse(raw);
  if (!parsed.success) throw DomainError.invalidInput('invalid version move', parsed.error);
  const input = parsed.data;
  if (!caller.admin) throw new DomainError('FORBIDDEN', "moving a version's tasks needs an admin key");
  const { from, target } = await moveTarget(ctx, input.name, input.version);
  const kept: KeptTask[] = [];
  let keptTotal = 0;
  let moved = 0;
  let afterId: string | null = null;
  for (;;) {
    // What a page did is counted once it committed (a deadlock victim runs again).
    const page = await runTransaction(ctx.db, async (tx) => {
      const tasks = await lockVersionTasks(tx, from, afterId, MOVE_PAGE);
      const moves: VersionMove[] = [];
      const keptHere: KeptTask[] = [];
      for (const task of tasks) {
        const verdict = moveVerdict(task, target, input.include_checkpoints);
        if ('params' in verdict) moves.push({ taskId: task.id, params: verdict.params });
        else keptHere.push({ task_id: task.id, status: task.status, ...verdict });
      }
      const { jobs, oldJobs } = await moveTasksToVersion(tx, from, target.version, moves);
      await ctx.queue.insert(tx, jobs);
      return {
        lastId: tasks.at(-1)?.id,
        full: tasks.length === MOVE_PAGE,
        moved: moves.length,
        kept: keptHere,
        oldJobs,
      };
    });
    await cancelWaitingJobs(ctx, page.oldJobs);
    moved += page.moved;
    keptTotal += page.kept.length;
    kept.push(...page.kept.slice(0, MOVE_KEPT_LISTED - kept.length));
    if (!page.full || !page.lastId) break;
    afterId = page.lastId;
  }
  return {
    workflow: from.workflow,
    from_version: from.version,
    to_version: target.version,
    moved,
    kept_total: keptTotal,
    kept,
  };
}

/**
 * The version to move from (by the workflow's name or an alias) and the current one to move to: NOT_FOUND
 * for a version never registered; CONFLICT when it is current or live workers still run it.
 */
async function moveTarget(
  ctx: TaskContext,
  name: string,
  version: string,
): Promise<{ from: { workflow: string; version: string }; target: RegisteredWorkflow }> {
  const versions = await versionsNamed(ctx.db, [name], ctx.tuning.workerLeaseSeconds);
  const named = versions.filter((row) => row.name === name);
  const source = (named.length > 0 ? named : versions).find((row) => row.version === version);
  if (!source) {
    throw new DomainError('NOT_FOUND', `workflow "${name}" has no version ${version}`, {
      issues: [{ path: 'version', message: 'no such version of this workflow' }],
    });
  }
  const from = { workflow: source.name, version };
  const target = (await ctx.workflows.resolve([source.name])).get(source.name);
  if (!target) throw new Error(`workflow "${source.name}" did not resolve`);
  if (target.version === version) {
    throw new DomainError(
      'CONFLICT',
      `version ${version} is the current version of workflow "${source.name}"; its tasks stay`,
    );
  }
  if (source.live_workers > 0) {
    throw new DomainError(
      'CONFLICT',
      `version ${version} of workflow "${source.name}" still has ${source.live_workers} live worker(s), which run its tasks; move them once those workers stop`,
    );
  }
  return { from, target };
}

/** Why a task stays on its version, or the params it moves with. */
function moveVerdict(
  task: VersionTask,
  target: RegisteredWorkflow,
  includeCheckpoints: boolean,
): Omit<KeptTask, 'task_id' | 'status'> | { params: Record<string, unknown> } {
  if (task.status === 'running') {
    return {
      reason: 'running',
      message: 'it is running; once its lost worker is reaped it is queued and can move',
    };
  }
  if (task.hasCheckpoint && !includeCheckpoints) {
    return {
      reason: 'resumes_from_checkpoint',
      message: "it resumes from a checkpoint of its version's graph (include_checkpoints moves it)",
    };
  }
  if (task.concurrencyKey !== null && target.defaults.concurrency_per_key === null) {
    // As a submit with a key to that version is refused: nothing there would hold the key to its limit.
    return {
      reason: 'key_unlimited',
      message: `it has a concurrency_key and version ${target.version} declares no concurrency_per_key`,
    };
  }
  const checked = target.checkParams(task.params, 'params');
  if (!checked.ok) {
    const issues = checked.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
    return {
      reason: 'params_invalid',
      message: `its params do not match version ${target.version}: ${issues}`,
    };
  }
  return { params: checked.params };
}
