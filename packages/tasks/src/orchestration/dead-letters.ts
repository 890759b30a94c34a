import {
  type DeadLetterAttempt,
  type DeadLetterSummary,
  DomainError,
  isUuid,
  type ListDeadLettersInput,
  type ListDeadLettersOutput,
  ListDeadLettersInput as ListDeadLettersSchema,
  type PurgeDeadLetterOutput,
  type RedriveAllOutput,
  type RedriveOutput,
} from '@kaygraph/contracts';
import { type Caller, listedOwner } from '../caller.ts';
import type { TaskContext } from '../context.ts';
import { decodeCursor, pageOf } from '../cursor.ts';
import type { Transaction } from '../db.ts';
import { childRetryConflict } from '../service/child-retry.ts';
import { storedWorkflowNames } from '../service/workflow-match.ts';
import { childParents } from '../store/children.ts';
import { lockTasksWithParents, type Requeue, requeueTasks } from '../store/control.ts';
import {
  clearDeadLetters,
  type DeadLetterFilter,
  type DeadLetterRow,
  hasDeadLetters,
  listDeadLetterRows,
  lockDeadLetterRows,
} from '../store/dead-letters.ts';
import { dependenciesOf, lockDependencies, reblockDependents } from '../store/dependencies.ts';
import { readFailedAttempts } from '../store/events.ts';
import { lockOwnerQueue, reserveQueueRoom } from '../store/owner-queue.ts';
import { retryStatus } from '../submit/dependency-states.ts';

/**
 * Dead letters: every failed task, with its reason (retries ran out, a non-retriable error, a lost worker, a
 * failed dependency). A dead letter is listed while its task is still failed (a manual `tasks.retry` takes
 * it out of the list); redrive runs the task again with its params and a full
 * retry budget (within its owner's `max_queue_size`); purge drops the dead letter and leaves the task
 * failed.
 */

function ownerFilter(caller: Caller): DeadLetterFilter {
  return { owner: listedOwner(caller) };
}

function toSummary(row: DeadLetterRow, attempts: DeadLetterAttempt[]): DeadLetterSummary {
  return {
    task_id: row.id,
    workflow: row.workflow,
    priority: row.priority,
    status: row.status,
    attempt: row.attempt,
    max_retries: row.max_retries,
    error: row.error,
    attempts,
    group_id: row.group_id,
    schedule_id: row.schedule_id,
    created_at: new Date(row.created_at).toISOString(),
    failed_at: row.completed_at ? new Date(row.completed_at).toISOString() : null,
    dead_lettered_at: new Date(row.dead_lettered_at).toISOString(),
  };
}

/** Newest dead letters first, with the last error and the attempt history (from the task's events). */
export async function listDeadLetters(
  ctx: TaskContext,
  caller: Caller,
  raw: ListDeadLettersInput,
): Promise<ListDeadLettersOutput> {
  const query = ListDeadLettersSchema.parse(raw);
  const rows = await listDeadLetterRows(
    ctx.db,
    {
      ...ownerFilter(caller),
      workflows: query.workflow ? await storedWorkflowNames(ctx.workflows, query.workflow) : undefined,
      before: query.cursor ? decodeCursor(query.cursor) : undefined,
    },
    query.limit + 1,
  );
  const { page, next_cursor } = pageOf(rows, query.limit, (row) => ({
    createdAt: row.cursor_time,
    id: row.id,
  }));
  const attempts = new Map<string, DeadLetterAttempt[]>();
  for (const row of await readFailedAttempts(
    ctx.db,
    page.map((item) => item.id),
  )) {
    const list = attempts.get(row.task_id) ?? [];
    list.push({ attempt: row.attempt, error: row.error, at: new Date(row.at).toISOString() });
    attempts.set(row.task_id, list);
  }
  return { items: page.map((row) => toSummary(row, attempts.get(row.id) ?? [])), next_cursor };
}

function notDeadLettered(taskId: string): DomainError {
  return new DomainError('NOT_FOUND', `task ${taskId} is not in the dead-letter queue`);
}

/**
 * Runs dead letters again: within each owner's queue limit (QUEUE_FULL otherwise, nothing changed), a new
 * job with a full retry budget (`blocked` while a dependency is unfinished) and without the signals kept
 * for the last run, failed dependents blocked again, and their dead-letter jobs removed. A dead letter
 * whose dependency is failed or cancelled, or a child task its parent no longer waits for, cannot run:
 * CONFLICT (`onConflict: 'throw'`) or left in the list (`'skip'`). Returns what was redriven.
 * Lock order: owners' queue locks, then the task rows with the parents of child tasks (the callers').
 */
async function redrive(
  ctx: TaskContext,
  tx: Transaction,
  rows: readonly DeadLetterRow[],
  onConflict: 'throw' | 'skip',
): Promise<Requeue[]> {
  const dependsOn = await dependenciesOf(
    tx,
    rows.map((row) => row.id),
  );
  const parents = await childParents(
    tx,
    rows.map((row) => row.id),
  );
  const requeues: Requeue[] = [];
  const redriven: DeadLetterRow[] = [];
  for (const row of rows) {
    try {
      const childConflict = childRetryConflict(row.id, parents.get(row.id));
      if (childConflict) throw childConflict;
      const taskDependsOn = dependsOn.get(row.id) ?? [];
      const status = retryStatus(row.id, taskDependsOn, await lockDependencies(tx, taskDependsOn));
      requeues.push({ taskId: row.id, status });
      redriven.push(row);
    } catch (error) {
      if (onConflict === 'throw' || !(error instanceof DomainError) || error.code !== 'CONFLICT') throw error;
    }
  }
  const perOwner = new Map<string, number>();
  for (const row of redriven) perOwner.set(row.owner, (perOwner.get(row.owner) ?? 0) + 1);
  for (const [owner, adding] of [...perOwner].sort(([a], [b]) => a.localeCompare(b))) {
    await reserveQueueRoom(tx, owner, adding, ctx.maxQueueSize);
  }
  const ids = redriven.map((row) => row.id);
  const jobs = await requeueTasks(tx, requeues);
  await reblockDependents(tx, ids);
  await ctx.queue.deleteDeadLetters(tx, ids);
  await ctx.queue.insert(tx, jobs);
  return requeues;
}

/**
 * The dead letters of `filter` that can run again: their workflow is registered, no dependency failed, was
 * cancelled or is gone, a child task's parent waits for it.
 */
async function runnableFilter(
  ctx: TaskContext,
  tx: Transaction,
  filter: DeadLetterFilter,
): Promise<DeadLetterFilter> {
  return { ...filter, runnableWorkflows: await ctx.workflows.knownNames(tx) };
}

/**
 * The oldest dead letters of `page` (runnableFilter; up to `limit`), with their owners' queue locks taken
 * before their task rows (the lock order; a child's parent with it). Oldest first: a task that fails again
 * goes to the back. The page is read again once the owners' locks are held: a concurrent redrive of the
 * same owners has committed by then, and its tasks are no longer listed.
 */
async function lockRunnableDeadLetters(
  tx: Transaction,
  page: DeadLetterFilter,
  limit: number,
): Promise<DeadLetterRow[]> {
  const owners = new Set((await listDeadLetterRows(tx, page, limit, 'oldest')).map((row) => row.owner));
  for (const owner of [...owners].sort()) await lockOwnerQueue(tx, owner);
  const seen = (await listDeadLetterRows(tx, page, limit, 'oldest')).filter((row) => owners.has(row.owner));
  const taskIds = seen.map((row) => row.id);
  await lockTasksWithParents(tx, taskIds);
  return lockDeadLetterRows(tx, { taskIds });
}

/** Spends a caller's rate limit for the tasks a redrive queues (before it commits; its error aborts it). */
export type RedriveSpend = (count: number) => Promise<void>;

export async function redriveDeadLetter(
  ctx: TaskContext,
  caller: Caller,
  taskId: string,
): Promise<RedriveOutput> {
  if (!isUuid(taskId)) throw notDeadLettered(taskId);
  return ctx.db.transaction(async (tx) => {
    const filter = { ...ownerFilter(caller), taskId };
    const [seen] = await listDeadLetterRows(tx, filter, 1);
    if (!seen) throw notDeadLettered(taskId);
    if (!(await ctx.workflows.resolve([seen.workflow], tx)).has(seen.workflow)) {
      throw new DomainError(
        'CONFLICT',
        `workflow "${seen.workflow}" of task ${taskId} is no longer available`,
      );
    }
    // Lock order: the owner's queue lock, then the task row (with its parent, in id order).
    await lockOwnerQueue(tx, seen.owner);
    await lockTasksWithParents(tx, [taskId]);
    const rows = await lockDeadLetterRows(tx, filter);
    // A concurrent redrive or retry won.
    if (rows.length === 0) throw notDeadLettered(taskId);
    const [redriven] = await redrive(ctx, tx, rows, 'throw');
    return { task_id: taskId, status: redriven?.status ?? 'queued' };
  });
}

/**
 * Redrives the dead letters the caller may see (optionally of one workflow), at most `limit` and
 * `maxBatchSize` (MAX_BATCH_SIZE) per call, oldest first: `has_more` says whether runnable ones remain for
 * another call (not those this one took and could not redrive, so a caller looping on it stops). `spend`
 * charges the caller's rate limit for them (a key whose burst is smaller than a page redrives with a
 * `limit` that fits it).
 */
export async function redriveAllDeadLetters(
  ctx: TaskContext,
  caller: Caller,
  input: { workflow?: string | undefined; limit?: number | undefined },
  spend?: RedriveSpend,
): Promise<RedriveAllOutput> {
  return ctx.db.transaction(async (tx) => {
    const workflows = input.workflow
      ? await storedWorkflowNames(ctx.workflows, input.workflow, tx)
      : undefined;
    const page = await runnableFilter(ctx, tx, { ...ownerFilter(caller), workflows });
    const limit = Math.min(input.limit ?? ctx.maxBatchSize, ctx.maxBatchSize);
    const rows = await lockRunnableDeadLetters(tx, page, limit);
    let redriven: Requeue[] = [];
    if (rows.length > 0) {
      // Before the work: the rows are the runnable ones, which a refusal then leaves as they were.
      await spend?.(rows.length);
      redriven = await redrive(ctx, tx, rows, 'skip');
    }
    const taken = rows.map((row) => row.id);
    return {
      redriven: redriven.length,
      task_ids: redriven.map((requeue) => requeue.taskId),
      has_more: await hasDeadLetters(tx, { ...page, exceptTaskIds: taken }),
    };
  });
}

/** Removes a task's dead letter; the task stays failed (and can still be retried with `tasks.retry`). */
export async function purgeDeadLetter(
  ctx: TaskContext,
  caller: Caller,
  taskId: string,
): Promise<PurgeDeadLetterOutput> {
  if (!isUuid(taskId)) throw notDeadLettered(taskId);
  return ctx.db.transaction(async (tx) => {
    const [row] = await lockDeadLetterRows(tx, { ...ownerFilter(caller), taskId });
    if (!row) throw notDeadLettered(taskId);
    await clearDeadLetters(tx, [taskId]);
    await ctx.queue.deleteDeadLetters(tx, [taskId]);
    return { task_id: taskId, purged: true };
  });
}
