import {
  AddGroupTasksInput,
  type AddGroupTasksOutput,
  type CancelGroupOutput,
  CreateGroupInput,
  type CreateGroupOutput,
  DomainError,
  type ExecuteGroupOutput,
  type GetGroupInput,
  GetGroupInput as GetGroupSchema,
  type GroupView,
  type ListGroupsInput,
  type ListGroupsOutput,
  ListGroupsInput as ListGroupsSchema,
} from '@kaygraph/contracts';
import { type Caller, listedOwner } from '../caller.ts';
import type { TaskContext } from '../context.ts';
import { decodeCursor, pageOf } from '../cursor.ts';
import { cancelWaitingJobs } from '../service/control.ts';
import { cancelTasks } from '../store/control.ts';
import { insertGroup, listGroupSummaryRows, markGroupCancelled, releaseHeldTasks } from '../store/groups.ts';
import { assertBatchSize } from '../submit/batch-limit.ts';
import { submitTasks } from '../submit/submit.ts';
import { runTransaction } from '../transaction.ts';
import { groupTaskPage } from './group-page.ts';
import { loadGroupSummary, toGroupSummary } from './group-summary.ts';

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
    throw DomainError.invalidInput('invalid group', parsed.error);
  }
  const input = parsed.data;
  assertBatchSize(ctx.maxBatchSize, input.tasks.length);
  return ctx.db.transaction(async (tx) => {
    const group = await insertGroup(tx, caller.owner, input.name);
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

/**
 * Adds tasks to the caller's group, held (`pending`, no job) until `executeGroup`; a task waiting on
 * dependencies is `blocked` as at submit. Within MAX_BATCH_SIZE and the owner's queue size, atomically.
 */
export async function addGroupTasks(
  ctx: TaskContext,
  caller: Caller,
  raw: AddGroupTasksInput,
): Promise<AddGroupTasksOutput> {
  const parsed = AddGroupTasksInput.safeParse(raw);
  if (!parsed.success) {
    throw DomainError.invalidInput('invalid tasks for the group', parsed.error);
  }
  const input = parsed.data;
  assertBatchSize(ctx.maxBatchSize, input.tasks.length);
  // The submit path checks the group (the caller's, not cancelled) under the same transaction.
  const tasks = await submitTasks(
    ctx,
    caller,
    input.tasks.map((task) => ({ ...task, group_id: input.group_id })),
    { hold: true },
  );
  return { group_id: input.group_id, tasks };
}

/** Releases every held task of the group to run (idempotent: none held, none released). */
export async function executeGroup(
  ctx: TaskContext,
  caller: Caller,
  groupId: string,
): Promise<ExecuteGroupOutput> {
  return runTransaction(ctx.db, async (tx) => {
    const { summary } = await loadGroupSummary(tx, caller, groupId);
    if (summary.status === 'cancelled') {
      throw new DomainError('CONFLICT', `group ${groupId} was cancelled; it has nothing to execute`);
    }
    const jobs = await releaseHeldTasks(tx, groupId);
    await ctx.queue.insert(tx, jobs);
    const after = await loadGroupSummary(tx, caller, groupId);
    return { group_id: groupId, status: after.summary.status, released: jobs.length };
  });
}

/** The group view: summary over every task, plus a page of tasks with their results (see groupTaskPage). */
export async function getGroup(ctx: TaskContext, caller: Caller, raw: GetGroupInput): Promise<GroupView> {
  const input = GetGroupSchema.parse(raw);
  const { summary } = await loadGroupSummary(ctx.db, caller, input.group_id);
  const page = await groupTaskPage(ctx.db, input.group_id, {
    cursor: input.tasks_cursor,
    limit: input.tasks_limit,
  });
  return { ...summary, tasks: page.tasks, tasks_next_cursor: page.next_cursor };
}

/** The caller's groups (admin: all), newest first. */
export async function listGroups(
  ctx: TaskContext,
  caller: Caller,
  raw: ListGroupsInput,
): Promise<ListGroupsOutput> {
  const query = ListGroupsSchema.parse(raw);
  const rows = await listGroupSummaryRows(
    ctx.db,
    {
      owner: listedOwner(caller),
      before: query.cursor ? decodeCursor(query.cursor) : undefined,
    },
    query.limit + 1,
  );
  const { page, next_cursor } = pageOf(rows, query.limit, (row) => ({
    createdAt: row.cursor_time,
    id: row.id,
  }));
  return { items: page.map(toGroupSummary), next_cursor };
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
    const cancelled = await cancelTasks(ctx, tx, { groupId }, 'cancelled with its group');
    await markGroupCancelled(tx, groupId);
    return { cancelled };
  });
  await cancelWaitingJobs(ctx, outcome.cancelled.waitingJobs);
  return { group_id: groupId, status: 'cancelled' as const, cancelled: outcome.cancelled.ids.length };
}
