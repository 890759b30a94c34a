import {
  type CancelGroupOutput,
  CreateGroupInput,
  type CreateGroupOutput,
  DomainError,
  type GroupTaskView,
  type GroupView,
  type ListGroupsInput,
  type ListGroupsOutput,
  ListGroupsInput as ListGroupsSchema,
  type TaskError,
  type TaskStatus,
} from '@kaygraph/contracts';
import { taskGroups } from '@kaygraph/db';
import { type SQL, sql } from 'drizzle-orm';
import type { Caller } from '../catalog.ts';
import type { TaskContext } from '../context.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { rowsOf } from '../db.ts';
import { cancelWaitingJobs } from '../service/control.ts';
import { submitTasks } from '../service/submit.ts';
import { cancelTasksWhere } from '../store/control.ts';
import { runTransaction } from '../transaction.ts';
import { type GroupSummaryRow, groupSummarySql, loadGroupSummary, toGroupSummary } from './group-summary.ts';

/**
 * Creates a group and its tasks in one transaction: either the group exists with every task, or nothing
 * was stored. Tasks may join later by submitting with `group_id`.
 */
export async function createGroup(
  ctx: TaskContext,
  caller: Caller,
  raw: CreateGroupInput,
): Promise<CreateGroupOutput> {
  const parsed = CreateGroupInput.safeParse(raw);
  if (!parsed.success) {
    throw new DomainError('BAD_REQUEST', 'invalid group', {
      issues: parsed.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.message,
      })),
    });
  }
  const input = parsed.data;
  return ctx.db.transaction(async (tx) => {
    const [group] = await tx
      .insert(taskGroups)
      .values({ owner: caller.owner, name: input.name })
      .returning({ id: taskGroups.id, createdAt: taskGroups.createdAt });
    if (!group) throw new DomainError('INTERNAL', 'the group was not stored');
    const submitted =
      input.tasks.length === 0
        ? []
        : await submitTasks(
            ctx,
            caller,
            input.tasks.map((task) => ({ ...task, group_id: group.id })),
            { tx },
          );
    return {
      group_id: group.id,
      name: input.name,
      created_at: group.createdAt.toISOString(),
      tasks: submitted,
    };
  });
}

/** The group view: summary plus every task with its result (results by task). */
export async function getGroup(ctx: TaskContext, caller: Caller, groupId: string): Promise<GroupView> {
  const { summary } = await loadGroupSummary(ctx.db, caller, groupId);
  const rows = rowsOf<{
    id: string;
    workflow: string;
    status: TaskStatus;
    progress: number;
    result: unknown;
    error: TaskError | null;
  }>(
    await ctx.db.execute(sql`
      select id, workflow, status, progress, result, error from tasks
      where group_id = ${groupId} order by created_at, id`),
  );
  const tasks = rows.map(
    (row): GroupTaskView => ({
      task_id: row.id,
      workflow: row.workflow,
      status: row.status,
      progress: row.progress,
      ...(row.result === null || row.result === undefined ? {} : { result: row.result }),
      error: row.error ?? null,
    }),
  );
  return { ...summary, tasks };
}

/** The caller's groups (admin: all), newest first. */
export async function listGroups(
  ctx: TaskContext,
  caller: Caller,
  raw: ListGroupsInput,
): Promise<ListGroupsOutput> {
  const query = ListGroupsSchema.parse(raw);
  const conditions: SQL[] = [sql`true`];
  if (!caller.admin) conditions.push(sql`g.owner = ${caller.owner}`);
  if (query.cursor) {
    const cursor = decodeCursor(query.cursor);
    conditions.push(sql`(g.created_at, g.id) < (${cursor.createdAt}::timestamptz, ${cursor.id}::uuid)`);
  }
  const rows = rowsOf<GroupSummaryRow>(
    await ctx.db.execute(
      groupSummarySql(
        sql.join(conditions, sql` and `),
        sql`order by g.created_at desc, g.id desc limit ${query.limit + 1}`,
      ),
    ),
  );
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map(toGroupSummary),
    next_cursor:
      rows.length > query.limit && last ? encodeCursor({ createdAt: last.cursor_time, id: last.id }) : null,
  };
}

/** Cancels every unfinished task of the group and marks the group cancelled. */
export async function cancelGroup(
  ctx: TaskContext,
  caller: Caller,
  groupId: string,
): Promise<CancelGroupOutput> {
  const outcome = await runTransaction(ctx.db, async (tx) => {
    const { summary } = await loadGroupSummary(tx, caller, groupId);
    if (summary.status === 'cancelled') return { cancelled: { ids: [], waitingJobs: [] } };
    if (summary.status !== 'running' && summary.status !== 'pending') {
      throw new DomainError('CONFLICT', `group ${groupId} is already ${summary.status}`);
    }
    // Tasks first (in id order), the group row last: the group row is what every task insert into the group
    // references, so it is held for as short a time as possible.
    const cancelled = await cancelTasksWhere(ctx, tx, sql`group_id = ${groupId}`, 'cancelled with its group');
    await tx.execute(
      sql`update task_groups set cancelled_at = coalesce(cancelled_at, now()) where id = ${groupId}`,
    );
    return { cancelled };
  });
  await cancelWaitingJobs(ctx, outcome.cancelled.waitingJobs);
  return { group_id: groupId, status: 'cancelled' as const, cancelled: outcome.cancelled.ids.length };
}
