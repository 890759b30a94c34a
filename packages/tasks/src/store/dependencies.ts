import { isUuid, type TaskError, type TaskStatus } from '@kaygraph/contracts';
import { taskDependencies, tasks } from '@kaygraph/db';
import { inArray, sql } from 'drizzle-orm';
import { type Executor, recordsJson, rowsOf, type Transaction, uuidArray } from '../db.ts';
import type { JobQueue } from './boss.ts';
import { settleParents } from './children.ts';
import { appendEvents, statusEvent } from './events.ts';
import { TASK_JOB_COLUMNS, type TaskJobRow, taskJobOf } from './task-jobs.ts';

/**
 * Task chaining. A task submitted with `depends_on` is `blocked` until every dependency completed; the
 * transaction that completes the last dependency queues it (releaseDependents), and the one that fails or
 * cancels a dependency fails its dependents, transitively, with DEPENDENCY_FAILED (failDependents).
 * What a task starts as, or runs again as, is decided from its dependencies' states in
 * `submit/dependency-states.ts`.
 */

/** A dependency as its dependents' decisions read it. */
export interface DependencyState {
  owner: string;
  status: TaskStatus;
}

/**
 * The states of tasks about to be depended on (a submit, a retry), locked FOR SHARE until the transaction
 * ends, so none can complete (or fail) between this read and the caller's writes: its completion
 * transaction waits, then sees the new edges or statuses. Ids that are no task are missing from the map.
 */
export async function lockDependencies(
  tx: Transaction,
  ids: readonly string[],
): Promise<Map<string, DependencyState>> {
  const wanted = [...new Set(ids)].filter(isUuid);
  if (wanted.length === 0) return new Map();
  const rows = rowsOf<{ id: string } & DependencyState>(
    await tx.execute(sql`
      select id, owner, status from tasks where id = any(${uuidArray(wanted)}) order by id for share`),
  );
  return new Map(rows.map((row) => [row.id, { owner: row.owner, status: row.status }]));
}

/** Stores the edges of new tasks (in the submit transaction). */
export async function insertDependencyEdges(
  tx: Transaction,
  created: readonly { taskId: string; dependsOn: readonly string[] }[],
): Promise<void> {
  const edges = created.flatMap(({ taskId, dependsOn }) =>
    dependsOn.map((dependsOnId) => ({ taskId, dependsOnId })),
  );
  if (edges.length > 0) await tx.insert(taskDependencies).values(edges).onConflictDoNothing();
}

/** The error of a task whose chain broke `depth` levels up, at `dependencyId`. */
export function dependencyError(dependencyId: string, status: TaskStatus, depth: number): TaskError {
  const what = status === 'cancelled' ? 'was cancelled' : 'failed';
  const message =
    depth <= 1
      ? `dependency ${dependencyId} ${what}`
      : `dependency ${dependencyId} failed because one of its own dependencies ${what}`;
  return { code: 'DEPENDENCY_FAILED', message };
}

export interface SettleContext {
  queue: JobQueue;
  resultTtlSeconds: number;
}

export interface SettledTask {
  taskId: string;
  status: 'completed' | 'failed' | 'cancelled';
  /** Whether it is a child task (`parent_task_id` set); when not given it is looked up. */
  child?: boolean;
}

/**
 * Called by every transaction that finishes tasks (completion, cancel, group cancel, a lost worker's last
 * retry): queues the dependents whose last dependency just completed and fails, transitively, the
 * dependents of failed or cancelled ones; children tell their waiting parents (store/children.ts).
 */
export async function settleDependents(
  ctx: SettleContext,
  tx: Transaction,
  settled: readonly SettledTask[],
): Promise<void> {
  if (settled.length === 0) return;
  const completed = settled.filter((task) => task.status === 'completed').map((task) => task.taskId);
  const broken = settled.filter((task) => task.status !== 'completed');
  if (completed.length > 0) await releaseDependents(ctx, tx, completed);
  if (broken.length > 0) await failDependents(ctx, tx, broken);
  await settleParents(ctx, tx, settled);
}

/**
 * Queues blocked dependents of `completedIds` whose dependencies have all completed. The dependents are
 * locked first (in id order), and only then is "all completed" read, by a new statement: two transactions
 * completing a task's last two dependencies at once serialise on the dependent's lock, and the second
 * sees the first's completion, so the task is released exactly once.
 */
async function releaseDependents(ctx: SettleContext, tx: Transaction, completedIds: readonly string[]) {
  const candidates = rowsOf<{ id: string }>(
    await tx.execute(sql`
      select t.id from tasks t
      where t.status = 'blocked'
        and t.id in (select d.task_id from task_dependencies d where d.depends_on_id = any(${uuidArray(completedIds)}))
      order by t.id for update of t`),
  ).map((row) => row.id);
  if (candidates.length === 0) return;
  const released = rowsOf<
    TaskJobRow & { status: 'queued' | 'scheduled'; attempt: number; run_at: Date | string | null }
  >(
    await tx.execute(sql`
      update tasks t set
        status = case when t.run_at > now() then 'scheduled' else 'queued' end,
        job_id = coalesce(t.job_id, gen_random_uuid()),
        updated_at = now()
      where t.id = any(${uuidArray(candidates)}) and t.status = 'blocked'
        and not exists (
          select 1 from task_dependencies d join tasks dep on dep.id = d.depends_on_id
          where d.task_id = t.id and dep.status <> 'completed')
      returning ${TASK_JOB_COLUMNS}, t.status, t.attempt, t.run_at`),
  );
  if (released.length === 0) return;
  await appendEvents(
    tx,
    released.map((row) => statusEvent(row.id, row.status, row.attempt)),
  );
  await ctx.queue.insert(
    tx,
    released.map((row) => {
      const runAt = row.run_at ? new Date(row.run_at) : null;
      return taskJobOf(row, runAt && runAt.getTime() > Date.now() ? runAt : null);
    }),
  );
}

/**
 * Fails every blocked task that (transitively) depends on a failed or cancelled task, with a
 * DEPENDENCY_FAILED error naming the dependency that broke its chain. Blocked tasks have no pg-boss job,
 * so there is nothing to cancel in the queue.
 *
 * Level by level, one statement each: a submit that adds a dependent of task X holds X FOR SHARE until it
 * commits, and each level's tasks were updated (failed) by the statement before, which waited for such
 * submits; so every level reads the edges of dependents submitted concurrently (a single recursive read
 * would miss a dependent whose submit committed after it started).
 */
async function failDependents(ctx: SettleContext, tx: Transaction, broken: readonly SettledTask[]) {
  let level = broken.map((task) => ({ id: task.taskId, status: task.status as TaskStatus }));
  for (let depth = 1; level.length > 0 && depth <= 1000; depth++) {
    const causes = rowsOf<{ id: string; cause: string }>(
      await tx.execute(sql`
        select distinct on (d.task_id) d.task_id as id, d.depends_on_id as cause
        from task_dependencies d join tasks t on t.id = d.task_id
        where d.depends_on_id = any(${uuidArray(level.map((task) => task.id))}) and t.status = 'blocked'
        order by d.task_id, d.depends_on_id`),
    );
    if (causes.length === 0) return;
    const statusOf = new Map(level.map((task) => [task.id, task.status]));
    const input = recordsJson(
      causes.map((row) => ({
        id: row.id,
        error: dependencyError(row.cause, statusOf.get(row.cause) ?? 'failed', depth),
        was: 'blocked',
      })),
    );
    // Lock in id order (as releaseDependents does), then fail what is still blocked.
    await tx.execute(sql`
      select id from tasks where id = any(${uuidArray(causes.map((row) => row.id))})
      order by id for no key update`);
    const failed = rowsOf<{ id: string; attempt: number; error: TaskError }>(
      await tx.execute(sql`
        update tasks t set status = 'failed', error = x.error, completed_at = now(), updated_at = now(), eta_seconds = null, dead_lettered_at = now(),
          expires_at = now() + make_interval(secs => ${ctx.resultTtlSeconds})
        from jsonb_to_recordset(${input}::jsonb) as x(id uuid, error jsonb, was text)
        where t.id = x.id and t.status = x.was and t.id = any(${uuidArray(causes.map((row) => row.id))})
        returning t.id, t.attempt, x.error`),
    );
    await appendEvents(
      tx,
      failed.map((row) => statusEvent(row.id, 'failed', row.attempt, row.error)),
    );
    level = failed.map((row) => ({ id: row.id, status: 'failed' as TaskStatus }));
  }
}

/**
 * After `taskIds` were queued again (retry, dead-letter redrive), the tasks that failed with
 * DEPENDENCY_FAILED because of them wait again (`blocked`, without the signals kept for them before),
 * level by level, as long as none of their other dependencies is still failed or cancelled; they run
 * when the retried task completes.
 */
export async function reblockDependents(tx: Transaction, taskIds: readonly string[]): Promise<void> {
  let level = [...taskIds];
  for (let depth = 0; level.length > 0 && depth < 1000; depth++) {
    const reblocked = rowsOf<{ id: string; attempt: number }>(
      await tx.execute(sql`
        update tasks t set status = 'blocked', error = null, completed_at = null, expires_at = null,
          updated_at = now()
        where t.id in (select d.task_id from task_dependencies d where d.depends_on_id = any(${uuidArray(level)}))
          and t.status = 'failed' and t.error->>'code' = 'DEPENDENCY_FAILED'
          and not exists (
            select 1 from task_dependencies d join tasks dep on dep.id = d.depends_on_id
            where d.task_id = t.id and dep.status in ('failed', 'cancelled'))
        returning t.id, t.attempt`),
    );
    // A dependent failed by its dependency never ran: the signals kept for it are still for its run.
    await appendEvents(
      tx,
      reblocked.map((row) => statusEvent(row.id, 'blocked', row.attempt)),
    );
    level = reblocked.map((row) => row.id);
  }
}

/** The dependencies of each task (an empty list for none). */
export async function dependenciesOf(
  executor: Executor,
  taskIds: readonly string[],
): Promise<Map<string, string[]>> {
  if (taskIds.length === 0) return new Map();
  const rows = await executor
    .select({ id: tasks.id, dependsOn: tasks.dependsOn })
    .from(tasks)
    .where(inArray(tasks.id, [...taskIds]));
  return new Map(rows.map((row) => [row.id, row.dependsOn ?? []]));
}
