import type { TaskError, TaskStatus } from '@kaygraph/contracts';
import { taskGroups } from '@kaygraph/db';
import { type SQL, sql } from 'drizzle-orm';
import { type Executor, rowsOf, type Transaction, uuidArray } from '../db.ts';
import { appendEvents, statusEvent } from './events.ts';
import type { TaskJob } from './jobs.ts';
import { TASK_JOB_COLUMNS, type TaskJobRow, taskJobOf } from './task-jobs.ts';

/** A group with its task aggregates. */
export interface GroupSummaryRow {
  id: string;
  owner: string;
  name: string;
  created_at: string;
  cursor_time: string;
  cancelled_at: string | null;
  total: number;
  counts: Partial<Record<TaskStatus, number>> | null;
  progress: number | null;
  last_completed_at: string | null;
}

/**
 * Groups with their aggregates: counts per status, and progress as the mean over the tasks where a
 * finished task (completed, failed or cancelled) counts as 100, so a group's progress reaches 100 exactly
 * when every task has finished. `limit`: the newest groups by (created_at, id), picked before their
 * aggregates are computed (otherwise every group of the filter is aggregated, then sorted).
 */
function groupSummarySql(where: SQL, limit?: number): SQL {
  // NULLS LAST like the indexes of task_groups: a plain DESC (NULLS FIRST) matches neither of them.
  const newestFirst = sql`g.created_at desc nulls last, g.id desc nulls last`;
  const page = limit === undefined ? sql`` : sql`order by ${newestFirst} limit ${limit}`;
  return sql`
    select g.id, g.owner, g.name, g.created_at, g.cancelled_at,
      to_char(g.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_time,
      coalesce(a.total, 0)::int as total, a.counts, a.progress, a.last_completed_at
    from (select * from task_groups g where ${where} ${page}) g
    left join lateral (
      select count(*)::int as total,
        (select jsonb_object_agg(s.status, s.n) from (
          select status, count(*)::int as n from tasks where group_id = g.id group by status) s) as counts,
        avg(case when t.status in ('completed', 'failed', 'cancelled') then 100 else t.progress end)::float8
          as progress,
        max(t.completed_at) as last_completed_at
      from tasks t where t.group_id = g.id
    ) a on true
    ${limit === undefined ? sql`` : sql`order by ${newestFirst}`}`;
}

export async function loadGroupSummaryRow(
  executor: Executor,
  groupId: string,
): Promise<GroupSummaryRow | undefined> {
  const [row] = rowsOf<GroupSummaryRow>(await executor.execute(groupSummarySql(sql`g.id = ${groupId}`)));
  return row;
}

/** The groups of `groupIds` that exist, with their aggregates (in no order). */
export async function loadGroupSummaryRows(
  executor: Executor,
  groupIds: readonly string[],
): Promise<GroupSummaryRow[]> {
  return rowsOf<GroupSummaryRow>(
    await executor.execute(groupSummarySql(sql`g.id = any(${uuidArray(groupIds)})`)),
  );
}

/**
 * Keeps each of `groupIds` from finishing until this transaction ends, so tasks joining it never reopen
 * a finished group: one unfinished task per group is locked FOR SHARE, so it cannot finish meanwhile (a
 * task that finishes while this waits for its lock is passed over for the next one). Returns the groups
 * held; the others have no unfinished task (finished, cancelled or empty), as a later statement sees.
 */
export async function holdGroupsOpen(tx: Transaction, groupIds: readonly string[]): Promise<Set<string>> {
  const rows = rowsOf<{ group_id: string }>(
    await tx.execute(sql`
      select g.id as group_id from unnest(${uuidArray(groupIds)}) as g(id)
      cross join lateral (
        select t.id from tasks t where t.group_id = g.id and t.completed_at is null
        order by t.created_at desc, t.id desc limit 1 for share
      ) open_task`),
  );
  return new Set(rows.map((row) => row.group_id));
}

/** Groups newest first by (created_at, id). */
export async function listGroupSummaryRows(
  executor: Executor,
  filter: { owner?: string | undefined; before?: { createdAt: string; id: string } | undefined },
  limit: number,
): Promise<GroupSummaryRow[]> {
  const conditions: SQL[] = [sql`true`];
  if (filter.owner) conditions.push(sql`g.owner = ${filter.owner}`);
  if (filter.before) {
    conditions.push(
      sql`(g.created_at, g.id) < (${filter.before.createdAt}::timestamptz, ${filter.before.id}::uuid)`,
    );
  }
  return rowsOf<GroupSummaryRow>(
    await executor.execute(groupSummarySql(sql.join(conditions, sql` and `), limit)),
  );
}

export async function insertGroup(
  tx: Transaction,
  owner: string,
  name: string,
): Promise<{ id: string; createdAt: Date } | undefined> {
  const [group] = await tx
    .insert(taskGroups)
    .values({ owner, name })
    .returning({ id: taskGroups.id, createdAt: taskGroups.createdAt });
  return group;
}

export async function markGroupCancelled(tx: Transaction, groupId: string): Promise<void> {
  await tx.execute(
    sql`update task_groups set cancelled_at = coalesce(cancelled_at, now()) where id = ${groupId}`,
  );
}

export interface GroupTaskRow {
  id: string;
  workflow: string;
  status: TaskStatus;
  progress: number;
  has_result: boolean;
  /** The result as JSON text when it is stored inline (small, see INLINE_RESULT_BYTES); else null. */
  small_result_json: string | null;
  error: TaskError | null;
  /** created_at as ISO text with microseconds: the page cursor. */
  cursor_time: string;
}

/**
 * Results stored uncompressed in at most this many bytes are read with the group's task list: their JSON
 * text is of the same order, so a page of 1,000 of them stays a few MB. (A compressed value this small can
 * hold a large text: it is read and measured one by one like any large result.)
 */
const INLINE_RESULT_BYTES = 2000;

/**
 * The group's tasks in creation order after `after` (none: from the first), at most `limit`, with their
 * small results only (a group's results can reach gigabytes: larger ones are read one by one, see
 * `groupTaskResultJson`).
 */
export async function groupTasks(
  executor: Executor,
  groupId: string,
  after: { createdAt: string; id: string } | undefined,
  limit: number,
): Promise<GroupTaskRow[]> {
  const from = after
    ? sql`and (created_at, id) > (${after.createdAt}::timestamptz, ${after.id}::uuid)`
    : sql``;
  return rowsOf<GroupTaskRow>(
    await executor.execute(sql`
      select id, workflow, status, progress, result is not null as has_result,
        case when pg_column_compression(result) is null and pg_column_size(result) <= ${INLINE_RESULT_BYTES}
          then result::text end as small_result_json, error,
        to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_time
      from tasks where group_id = ${groupId} ${from}
      order by created_at, id limit ${limit}`),
  );
}

/** A task's result as JSON text (null: none), to be measured before it is parsed. */
export async function groupTaskResultJson(executor: Executor, taskId: string): Promise<string | null> {
  const [row] = rowsOf<{ json: string | null }>(
    await executor.execute(sql`select result::text as json from tasks where id = ${taskId}`),
  );
  return row?.json ?? null;
}

/** The tasks of a group with the seq of their latest event, by task id. */
export async function groupTaskSeqs(executor: Executor, groupId: string): Promise<Map<string, number>> {
  const rows = rowsOf<{ id: string; last_seq: number }>(
    await executor.execute(sql`select id, last_seq from tasks where group_id = ${groupId}`),
  );
  return new Map(rows.map((row) => [row.id, row.last_seq]));
}

/** The group of a task (null: none, or no such task). */
export async function groupOfTask(executor: Executor, taskId: string): Promise<string | null> {
  const [row] = rowsOf<{ group_id: string | null }>(
    await executor.execute(sql`select group_id from tasks where id = ${taskId}`),
  );
  return row?.group_id ?? null;
}

/**
 * Releases the group's held (`pending`) tasks: `scheduled` when their `run_at` is still ahead, `queued`
 * otherwise, each with its status event. Task rows are locked in id order. Returns the jobs to create.
 */
export async function releaseHeldTasks(tx: Transaction, groupId: string): Promise<TaskJob[]> {
  const rows = rowsOf<TaskJobRow & { status: 'queued' | 'scheduled'; run_at: string | null }>(
    await tx.execute(sql`
      with held as (
        select id from tasks where group_id = ${groupId} and status = 'pending' order by id for no key update
      )
      update tasks t set status = case when t.run_at > now() then 'scheduled' else 'queued' end,
        updated_at = clock_timestamp()
      from held where t.id = held.id and t.status = 'pending'
      returning ${TASK_JOB_COLUMNS}, t.status, to_json(t.run_at) #>> '{}' as run_at`),
  );
  await appendEvents(
    tx,
    rows.map((row) => statusEvent(row.id, row.status, 0)),
  );
  return rows.map((row) =>
    taskJobOf(row, row.status === 'scheduled' && row.run_at ? new Date(row.run_at) : null),
  );
}
