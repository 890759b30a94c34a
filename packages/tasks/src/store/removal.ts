import { type SQL, sql } from 'drizzle-orm';
import { rowsOf, type Transaction, uuidArray } from '../db.ts';
import { familyIds, lockTasks } from './control.ts';
import { deleteTaskRecords } from './maintenance.ts';

/**
 * Whether finished task `t` may be removed now: nothing unfinished still reads it. A child task goes only
 * with its parent (a failed parent retried by hand reuses its completed children); a task that depends on
 * it, a task of its group (the group's counts and results) and its child tasks must all have finished.
 * The one rule of removing one task and of a bulk clean.
 */
const removable = sql`
  t.completed_at is not null
  and t.parent_task_id is null
  and not exists (select 1 from tasks c where c.parent_task_id = t.id and c.completed_at is null)
  and not exists (
    select 1 from task_dependencies d join tasks x on x.id = d.task_id
    where d.depends_on_id = t.id and x.completed_at is null)
  and (t.group_id is null
    or not exists (select 1 from tasks g where g.group_id = t.group_id and g.completed_at is null))`;

/** Filters of a bulk clean (the caller's owner, or any for an admin). */
export interface RemovalFilter {
  owner: string | undefined;
  statuses: readonly string[];
  finishedBefore: Date;
  workflows: readonly string[] | undefined;
}

/**
 * Up to `limit` removable tasks matching `filter`, oldest finish first, locked; rows another transaction
 * holds are skipped (never waits, so the lock order holds).
 */
export async function lockRemovableTasks(
  tx: Transaction,
  filter: RemovalFilter,
  limit: number,
): Promise<string[]> {
  const conditions: SQL[] = [
    removable,
    sql`t.status in (select jsonb_array_elements_text(${JSON.stringify(filter.statuses)}::jsonb))`,
    sql`t.completed_at < ${filter.finishedBefore.toISOString()}::timestamptz`,
  ];
  if (filter.owner !== undefined) conditions.push(sql`t.owner = ${filter.owner}`);
  if (filter.workflows)
    conditions.push(
      sql`t.workflow in (select jsonb_array_elements_text(${JSON.stringify(filter.workflows)}::jsonb))`,
    );
  return rowsOf<{ id: string }>(
    await tx.execute(sql`
      select t.id from tasks t where ${sql.join(conditions, sql` and `)}
      order by t.completed_at, t.id limit ${limit}
      for update of t skip locked`),
  ).map((row) => row.id);
}

/** Locks the task when it may be removed now (see `removable`); false when something still reads it. */
export async function lockIfRemovable(tx: Transaction, taskId: string): Promise<boolean> {
  const rows = rowsOf<{ id: string }>(
    await tx.execute(sql`select t.id from tasks t where t.id = ${taskId} and ${removable} for update of t`),
  );
  return rows.length > 0;
}

/** Tasks a removal deleted (child tasks included), and which of them were dead letters. */
export interface DeletedTasks {
  taskIds: string[];
  deadLettered: string[];
}

/**
 * Deletes locked removable tasks with their child tasks (at any depth: all finished, see `removable`), and
 * what is kept beside them by the one rule the result cleaner uses (`deleteTaskRecords`). Dependency edges
 * and dead-letter listings go with the rows (the dead letters' pg-boss jobs are the caller's to delete);
 * tasks that depended on them keep their ids in `depends_on`.
 */
export async function deleteTasks(tx: Transaction, taskIds: readonly string[]): Promise<DeletedTasks> {
  if (taskIds.length === 0) return { taskIds: [], deadLettered: [] };
  await lockTasks(tx, await familyIds(tx, sql`id = any(${uuidArray(taskIds)})`));
  // Checked again now that every row is locked, in a statement of its own (a fresh snapshot): a task
  // submitted to depend on one of them while this waited holds it by a lock that did not change its row.
  const roots = rowsOf<{ id: string }>(
    await tx.execute(sql`select t.id from tasks t where t.id = any(${uuidArray(taskIds)}) and ${removable}`),
  ).map((row) => row.id);
  if (roots.length === 0) return { taskIds: [], deadLettered: [] };
  const family = await familyIds(tx, sql`id = any(${uuidArray(roots)})`);
  await deleteTaskRecords(tx, family);
  const deleted = rowsOf<{ id: string; dead_lettered: boolean }>(
    await tx.execute(sql`
      delete from tasks where id = any(${uuidArray(family)})
      returning id, dead_lettered_at is not null as dead_lettered`),
  );
  return {
    taskIds: deleted.map((row) => row.id),
    deadLettered: deleted.filter((row) => row.dead_lettered).map((row) => row.id),
  };
}
