import type { Priority, TaskError, TaskStatus } from '@kaygraph/contracts';
import { type SQL, sql } from 'drizzle-orm';
import { type Executor, rowsOf, type Transaction, uuidArray } from '../db.ts';
import { parentWaitsFor } from './children.ts';

/**
 * Dead letters are failed tasks, whatever failed them (retries ran out, a non-retriable error, a lost
 * worker, a failed dependency): `dead_lettered_at` is set in the transaction that fails a task, cleared by
 * retry, redrive and purge. Our table is the record; pg-boss' dead-letter queue only holds a copy of the
 * jobs whose retries ran out.
 */
export interface DeadLetterRow {
  id: string;
  owner: string;
  workflow: string;
  priority: Priority;
  status: TaskStatus;
  attempt: number;
  max_retries: number;
  error: TaskError | null;
  group_id: string | null;
  schedule_id: string | null;
  created_at: string;
  completed_at: string | null;
  dead_lettered_at: string;
  cursor_time: string;
}

export interface DeadLetterFilter {
  owner?: string | undefined;
  /** Any of these names (a workflow's name and aliases). */
  workflows?: readonly string[] | undefined;
  taskId?: string | undefined;
  taskIds?: readonly string[] | undefined;
  /** Leaves these tasks out. */
  exceptTaskIds?: readonly string[] | undefined;
  before?: { createdAt: string; id: string } | undefined;
  /**
   * Only dead letters that can run again: of these (registered) workflow names, with no dependency that
   * failed, was cancelled or is gone (its row removed with its result), as `retryStatus` decides from
   * `depends_on`, and not a child task its parent no longer waits for (service/child-retry.ts).
   */
  runnableWorkflows?: readonly string[] | undefined;
}

function conditionsOf(filter: DeadLetterFilter): SQL {
  const conditions: SQL[] = [sql`dead_lettered_at is not null`, sql`status = 'failed'`];
  if (filter.owner) conditions.push(sql`owner = ${filter.owner}`);
  if (filter.workflows) {
    conditions.push(
      sql`workflow in (select jsonb_array_elements_text(${JSON.stringify(filter.workflows)}::jsonb))`,
    );
  }
  if (filter.taskId) conditions.push(sql`id = ${filter.taskId}`);
  if (filter.taskIds) conditions.push(sql`id = any(${uuidArray(filter.taskIds)})`);
  if (filter.exceptTaskIds?.length) conditions.push(sql`id <> all(${uuidArray(filter.exceptTaskIds)})`);
  if (filter.runnableWorkflows) {
    conditions.push(
      sql`workflow = any(array(select jsonb_array_elements_text(${JSON.stringify(filter.runnableWorkflows)}::jsonb)))`,
      sql`not exists (
        select 1 from unnest(depends_on) as d(id) left join tasks dep on dep.id = d.id
        where dep.id is null or dep.status in ('failed', 'cancelled'))`,
      sql`(parent_task_id is null or exists (
        select 1 from tasks p where p.id = tasks.parent_task_id and ${parentWaitsFor(sql`p`, sql`tasks.id`)}))`,
    );
  }
  if (filter.before) {
    conditions.push(
      sql`(dead_lettered_at, id) < (${filter.before.createdAt}::timestamptz, ${filter.before.id}::uuid)`,
    );
  }
  return sql.join(conditions, sql` and `);
}

// No params: a page of dead letters must not hold every task's params (GET /tasks/{id} has them).
const COLUMNS = sql`id, owner, workflow, priority, status, attempt, max_retries, error, group_id,
  schedule_id, to_json(created_at) #>> '{}' as created_at, to_json(completed_at) #>> '{}' as completed_at,
  to_json(dead_lettered_at) #>> '{}' as dead_lettered_at,
  to_char(dead_lettered_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_time`;

async function selectDeadLetters(executor: Executor, filter: DeadLetterFilter, tail: SQL) {
  return rowsOf<DeadLetterRow>(
    await executor.execute(sql`select ${COLUMNS} from tasks where ${conditionsOf(filter)} ${tail}`),
  );
}

/** Newest dead letters first (`oldest`: oldest first). */
export function listDeadLetterRows(
  executor: Executor,
  filter: DeadLetterFilter,
  limit: number,
  order: 'newest' | 'oldest' = 'newest',
): Promise<DeadLetterRow[]> {
  // In the indexes' order (DESC NULLS LAST, read backward for the oldest): a plain DESC, NULLS FIRST,
  // matches neither index, and every page then sorts all dead letters of the owner or of everyone.
  // Qualified: a bare `dead_lettered_at` names COLUMNS' text output column, which no index orders.
  const by =
    order === 'newest'
      ? sql`tasks.dead_lettered_at desc nulls last, tasks.id desc nulls last`
      : sql`tasks.dead_lettered_at asc nulls first, tasks.id asc nulls first`;
  return selectDeadLetters(executor, filter, sql`order by ${by} limit ${limit}`);
}

/** Whether any dead letter matches `filter`. */
export async function hasDeadLetters(executor: Executor, filter: DeadLetterFilter): Promise<boolean> {
  const [row] = rowsOf<{ found: boolean }>(
    await executor.execute(sql`select exists (select 1 from tasks where ${conditionsOf(filter)}) as found`),
  );
  return row?.found ?? false;
}

/** The dead letters matching `filter`, their task rows locked in id order (the lock order). */
export function lockDeadLetterRows(tx: Transaction, filter: DeadLetterFilter): Promise<DeadLetterRow[]> {
  if (filter.taskIds?.length === 0) return Promise.resolve([]);
  return selectDeadLetters(tx, filter, sql`order by id for update`);
}

/** Takes tasks out of the dead letters (purge); they stay failed. */
export async function clearDeadLetters(tx: Transaction, taskIds: readonly string[]): Promise<void> {
  if (taskIds.length === 0) return;
  await tx.execute(sql`update tasks set dead_lettered_at = null where id = any(${uuidArray(taskIds)})`);
}
