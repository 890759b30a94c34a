import { randomUUID } from 'node:crypto';
import type { GroupStatus, SubmitTaskOutput, SubmitTaskRequest } from '@kaygraph/contracts';
import { DomainError, isTerminalGroupStatus, SCHEDULE_KEY_PREFIX } from '@kaygraph/contracts';
import { type Caller, mayAccess } from '../caller.ts';
import type { TaskContext } from '../context.ts';
import { sentTogether, type Transaction } from '../db.ts';
import { groupStatusOf } from '../group-status.ts';
import { insertDependencyEdges, lockDependencies } from '../store/dependencies.ts';
import { statusEvent } from '../store/events.ts';
import { holdGroupsOpen, loadGroupSummaryRows } from '../store/groups.ts';
import type { TaskJob } from '../store/jobs.ts';
import { assertRoom, type KeyedSubmit, type KeyHolder, lockOwnerQueueState } from '../store/owner-queue.ts';
import { insertTasks, loadGroups, type NewTaskRow } from '../store/submit.ts';
import { concurrencyGroupOf } from '../store/task-jobs.ts';
import { runTransaction } from '../transaction.ts';
import { initialStates } from './dependency-states.ts';
import { type PinnedVersion, type PreparedTask, prepareSubmits } from './validate-submit.ts';

/**
 * The one submit path, for one task and for many: in ONE transaction the owner's queue room is reserved
 * (exact `max_queue_size`), idempotency keys resolve to the task that holds them (`deduplicated: true`),
 * groups and dependencies are checked, and the task rows, their first status event and their pg-boss jobs
 * are written, so a task is never visible without its job and a job never runs for a rolled-back task.
 * `options.tx` joins the caller's transaction (a group created with its tasks, a schedule firing).
 */
export async function submitTasks(
  ctx: TaskContext,
  caller: Caller,
  inputs: readonly SubmitTaskRequest[],
  /**
   * `occurrences`: what each input fires of a cron schedule, by index: its schedule and its idempotency key
   * (in the prefix the contract keeps from clients). `hold`: tasks that would be queued or scheduled stay
   * `pending` (no job) until their group is executed.
   */
  options: { tx?: Transaction; occurrences?: readonly ScheduleOccurrence[]; hold?: boolean } = {},
): Promise<SubmitTaskOutput[]> {
  const validated = await prepareAll(ctx, inputs, options.tx);
  const prepared = validated.map((task, index) => {
    const occurrence = options.occurrences?.[index];
    return occurrence ? { ...task, idempotencyKey: occurrence.idempotencyKey } : task;
  });
  const scheduleOf = new Map(
    prepared.map((task, index) => [task, options.occurrences?.[index]?.scheduleId ?? null]),
  );
  const run = (tx: Transaction) =>
    submitPrepared(ctx, tx, caller, prepared, {
      scheduleIdOf: (task) => scheduleOf.get(task) ?? null,
      hold: options.hold ?? false,
    });
  // A deadlock victim (a group held open while its task settles a dependent) is run again.
  return options.tx ? run(options.tx) : runTransaction(ctx.db, run);
}

/** A cron schedule's occurrence a submit fires. */
export interface ScheduleOccurrence {
  scheduleId: string;
  idempotencyKey: string;
}

/**
 * Validates submits against the contract and the registered workflows' params (before any write);
 * `tx`: the caller's transaction, which then also reads the registry. `pinned`: versions to submit to
 * instead of the current ones (a parent's children: worker/child-versions.ts).
 */
export function prepareAll(
  ctx: TaskContext,
  inputs: readonly SubmitTaskRequest[],
  tx?: Transaction,
  pinned?: ReadonlyMap<string, PinnedVersion>,
): Promise<PreparedTask[]> {
  return prepareSubmits(ctx.workflows, inputs, ctx.defaultTimeoutSeconds, tx, pinned);
}

/** Child tasks a waiting node submits (`runChildren`): their ids, in the node's order. */
export interface ChildTasks {
  parentTaskId: string;
  ids: readonly string[];
  /** Each one's place in the node's list, when some of the list are earlier children reused; else its own. */
  indexes?: readonly number[];
}

/**
 * The submit path itself, in the caller's transaction. `children`: the tasks are a waiting parent's
 * children (no idempotency keys), submitted with its suspend after its task row was locked; they were
 * admitted with the parent, so neither the owner's queue lock is taken (it comes before task rows in the
 * lock order) nor queue room checked (a parent that could not place its children would hold its wait
 * forever). Their number is bounded per wait instead (MAX_BATCH_SIZE, worker/plan-wait.ts).
 */
export async function submitPrepared(
  ctx: TaskContext,
  tx: Transaction,
  caller: Caller,
  prepared: readonly PreparedTask[],
  options: {
    scheduleIdOf?: (task: PreparedTask) => string | null;
    hold?: boolean;
    children?: ChildTasks;
  } = {},
): Promise<SubmitTaskOutput[]> {
  const keyed = prepared.flatMap((task, index): KeyedSubmit[] => {
    const key = task.idempotencyKey;
    if (!key) return [];
    // A schedule's occurrence is fired once, whatever its schedule's params became since.
    return [{ index, key, params: key.startsWith(SCHEDULE_KEY_PREFIX) ? null : task.params }];
  });
  // Under the owner's lock: a concurrent submit of the same key has committed or not begun.
  const queueState = options.children ? null : await lockOwnerQueueState(tx, caller.owner, keyed);
  const existing = queueState?.existing ?? new Map<string, KeyHolder>();
  assertKeyHolders(prepared, existing, queueState?.otherParams ?? new Map());
  const firstOfKey = firstIndexOfKeys(prepared);
  const toInsert = prepared.filter(
    (task, index) =>
      !task.idempotencyKey ||
      (firstOfKey.get(task.idempotencyKey) === index && !existing.has(task.idempotencyKey)),
  );
  if (queueState) assertRoom(queueState.unfinished, toInsert.length, ctx.maxQueueSize);

  // The dependencies' rows, then a task of each group (its newest unfinished one): tasks a dependent
  // comes after, as a finishing task is locked before the dependents it releases.
  const dependencies = await lockDependencies(
    tx,
    toInsert.flatMap((task) => task.dependsOn),
  );
  // Only new tasks are refused: a submit repeated with its key gets its task back, whatever its group did.
  assertGroupsTakeTasks(await holdGroups(tx, caller, prepared), toInsert);
  // blocked (dependencies), failed (a dependency already failed), scheduled (run_at) or queued.
  const states = initialStates(caller, toInsert, dependencies);
  const rows = toInsert.map((task, index): NewTaskRow => {
    const initial = states[index] ?? { status: 'queued', error: null };
    const held = options.hold && (initial.status === 'queued' || initial.status === 'scheduled');
    const state = held ? { status: 'pending' as const, error: null } : initial;
    const childId = options.children?.ids[index];
    const id = childId ?? randomUUID();
    return {
      id,
      parentTaskId: childId ? (options.children?.parentTaskId ?? null) : null,
      childIndex: childId ? (options.children?.indexes?.[index] ?? index) : null,
      owner: caller.owner,
      workflow: task.workflow.name,
      version: task.workflow.version,
      params: task.params,
      status: state.status,
      error: state.error,
      dependsOn: task.dependsOn,
      scheduleId: options.scheduleIdOf?.(task) ?? null,
      priority: task.priority,
      maxRetries: task.maxRetries,
      retryDelaySeconds: task.retryDelaySeconds,
      retryBackoff: task.retryBackoff,
      timeoutSeconds: task.timeoutSeconds,
      groupId: task.groupId,
      idempotencyKey: task.idempotencyKey,
      concurrencyKey: task.concurrencyKey,
      runAt: task.runAt,
      firstEvent: statusEvent(id, state.status, 0, state.error),
    };
  });
  const jobs = rows
    .filter((row) => row.status === 'queued' || row.status === 'scheduled')
    .map(
      (row): TaskJob => ({
        jobId: row.id,
        taskId: row.id,
        workflow: row.workflow,
        version: row.version,
        priority: row.priority,
        retryLimit: row.maxRetries,
        retryDelaySeconds: row.retryDelaySeconds,
        retryBackoff: row.retryBackoff,
        timeoutSeconds: row.timeoutSeconds,
        startAfter: row.runAt,
        concurrencyGroup: concurrencyGroupOf(row.owner, row.concurrencyKey),
      }),
    );
  // The rows with their first events, and their jobs, in one round trip.
  const [createdAt] = await sentTogether([
    insertTasks(tx, rows, ctx.resultTtlSeconds),
    ctx.queue.insert(tx, jobs),
  ]);
  const outputOf = new Map<PreparedTask, SubmitTaskOutput>();
  const byKey = new Map([...existing].map(([key, held]) => [key, held.task]));
  rows.forEach((row, index) => {
    // Under the owner's lock no key of toInsert is taken, so every row is created (children carry no
    // keys): a row that was not is an error, as its job would run for no task.
    const at = createdAt.get(row.id);
    if (!at) throw new Error(`submitted task ${row.id} was not created`);
    const stored = { task_id: row.id, status: row.status, created_at: at.toISOString() };
    outputOf.set(toInsert[index] as PreparedTask, { ...stored, deduplicated: false });
    if (row.idempotencyKey) byKey.set(row.idempotencyKey, stored);
  });
  // Dependency edges reference the rows: sent once they exist.
  await insertDependencyEdges(
    tx,
    rows.map((row) => ({ taskId: row.id, dependsOn: row.dependsOn })),
  );
  return prepared.map((task): SubmitTaskOutput => {
    const own = outputOf.get(task);
    if (own) return own;
    // A key held before this submit, or used again later in this batch.
    const stored = task.idempotencyKey ? byKey.get(task.idempotencyKey) : undefined;
    if (!stored) throw new Error('submitted task could not be resolved');
    return { ...stored, deduplicated: true };
  });
}

/**
 * An idempotency key names one request: a task whose key another task holds (stored, or earlier in this
 * batch) must be of the same workflow with the same params (`otherParams`: the indexes whose differ, with
 * the params that do), and
 * when it names a group, that task must be in it; anything else is a CONFLICT naming the key, and nothing
 * is stored (the transaction rolls back).
 */
function assertKeyHolders(
  prepared: readonly PreparedTask[],
  existing: ReadonlyMap<string, KeyHolder>,
  otherParams: ReadonlyMap<number, readonly string[]>,
): void {
  const firstOfKey = new Map<string, { groupId: string | null; workflow: string }>();
  prepared.forEach((task, index) => {
    const key = task.idempotencyKey;
    if (!key) return;
    const held = existing.get(key);
    const earlier = firstOfKey.get(key);
    const holder = held
      ? { name: `task ${held.task.task_id}`, groupId: held.groupId, workflow: held.workflow }
      : earlier && { name: 'an earlier task of this batch', ...earlier };
    if (!holder) {
      firstOfKey.set(key, { groupId: task.groupId, workflow: task.workflow.name });
      return;
    }
    // The same workflow under a name it had before (an alias of it now) is the same request.
    const sameWorkflow =
      holder.workflow === task.workflow.name || task.workflow.aliases.includes(holder.workflow);
    const differing = otherParams.get(index);
    const [conflict, issue] = !sameWorkflow
      ? [
          `of workflow "${holder.workflow}", not "${task.workflow.name}"`,
          'held by a task of another workflow',
        ]
      : task.groupId !== null && holder.groupId !== task.groupId
        ? // Not the group's id: a group being created with this task is rolled back and never exists.
          ['which is not in this group', 'held by a task outside this group']
        : differing
          ? [otherParamsConflict(differing), 'held by a task with other params']
          : [];
    if (!conflict || !issue) return;
    throw new DomainError('CONFLICT', `idempotency key "${key}" is held by ${holder.name}, ${conflict}`, {
      issues: [
        { path: prepared.length > 1 ? `tasks.${index}.idempotency_key` : 'idempotency_key', message: issue },
      ],
    });
  });
}

/**
 * Says which params differ and what to do: a key names one request. Params are compared once the
 * workflow's defaults are applied, so a default added by a deploy since the key's first use differs too.
 */
function otherParamsConflict(differing: readonly string[]): string {
  const names = differing.map((name) => `"${name}"`).join(', ');
  return (
    `submitted with other params (${names} ${differing.length === 1 ? 'differs' : 'differ'}, compared with ` +
    `the workflow's defaults applied): send the params of the key's first use, or use a new key`
  );
}

/** A key used twice in one batch names one task: the first use creates it. Each key's first index. */
function firstIndexOfKeys(prepared: readonly PreparedTask[]): Map<string, number> {
  const first = new Map<string, number>();
  prepared.forEach((task, index) => {
    if (task.idempotencyKey && !first.has(task.idempotencyKey)) first.set(task.idempotencyKey, index);
  });
  return first;
}

/**
 * Checks that the groups the tasks join exist and are the caller's (else NOT_FOUND), and returns those
 * that take no new tasks with their status. The others are held open until the commit (`holdGroupsOpen`):
 * one that finished meanwhile is read finished here, and one still running cannot finish before the new
 * tasks are in.
 */
async function holdGroups(
  tx: Transaction,
  caller: Caller,
  prepared: readonly PreparedTask[],
): Promise<Map<string, GroupStatus>> {
  const groupIds = [...new Set(prepared.flatMap((task) => (task.groupId ? [task.groupId] : [])))];
  if (groupIds.length === 0) return new Map();
  // The read is sent right behind the lock, so it sees what committed while the lock waited.
  const [held, groups] = await sentTogether([holdGroupsOpen(tx, groupIds), loadGroups(tx, groupIds)]);
  const closed = new Map<string, GroupStatus>();
  for (const id of groupIds) {
    const group = groups.get(id);
    if (!group || !mayAccess(caller, group.owner)) {
      throw new DomainError('NOT_FOUND', `group ${id} not found`, {
        issues: [{ path: 'group_id', message: 'no such group' }],
      });
    }
    if (group.cancelled) closed.set(id, 'cancelled');
  }
  // Groups with no unfinished task: empty (they take tasks) or finished.
  const idle = groupIds.filter((id) => !held.has(id) && !closed.has(id));
  for (const row of idle.length > 0 ? await loadGroupSummaryRows(tx, idle) : []) {
    const status = groupStatusOf(row.counts ?? {}, row.total, row.cancelled_at !== null);
    if (isTerminalGroupStatus(status)) closed.set(row.id, status);
  }
  return closed;
}

/**
 * A group takes no new tasks once cancelled or finished (completed, failed and partially_failed are final,
 * as the contracts' isTerminalGroupStatus says): joining would reopen it.
 */
function assertGroupsTakeTasks(
  closedGroups: ReadonlyMap<string, GroupStatus>,
  toInsert: readonly PreparedTask[],
): void {
  for (const task of toInsert) {
    const status = task.groupId ? closedGroups.get(task.groupId) : undefined;
    if (!task.groupId || !status) continue;
    const [what, issue] =
      status === 'cancelled'
        ? ['was cancelled', 'group cancelled']
        : [`has finished (${status})`, 'group finished'];
    throw new DomainError('CONFLICT', `group ${task.groupId} ${what}; it takes no new tasks`, {
      issues: [{ path: 'group_id', message: issue }],
    });
  }
}
