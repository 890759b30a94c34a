import { randomUUID } from 'node:crypto';
import type { SubmitTaskOutput, SubmitTaskRequest, TaskStatus } from '@kaygraph/contracts';
import { DomainError } from '@kaygraph/contracts';
import { taskGroups, tasks } from '@kaygraph/db';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { JobInsert } from 'pg-boss';
import type { Caller } from '../catalog.ts';
import type { Transaction } from '../db.ts';
import { insertFirstEvents } from '../events/append-events.ts';
import { statusEvent } from '../events/task-event.ts';
import { initialStates, insertDependencyEdges } from '../orchestration/dependencies.ts';
import { bossTx } from '../queue/boss-tx.ts';
import type { TaskJobData } from '../queue/job-options.ts';
import { workflowQueue } from '../queue/names.ts';
import type { TaskContext } from './context.ts';
import { assertQueueRoom, assertQueueRoomAfterInsert, countActive } from './queue-limit.ts';
import { submitCoalesced } from './submit-coalescer.ts';
import { submitsInOneStatement } from './submit-one-statement.ts';
import { jobOfTask } from './task-job.ts';
import { type PreparedTask, prepareSubmit } from './validate-submit.ts';

/**
 * Submits tasks in ONE transaction: the `tasks` rows, their first `status` event and their pg-boss jobs
 * (pg-boss joins the transaction through its drizzle adapter), so a task is never visible without its job
 * and a job never runs for a task that was rolled back. Idempotency keys resolve through the unique index
 * `(owner, idempotency_key)` with ON CONFLICT DO NOTHING: concurrent duplicates wait for the first insert
 * to commit and then return that task (`deduplicated: true`).
 */
export async function submitTasks(
  ctx: TaskContext,
  caller: Caller,
  inputs: readonly SubmitTaskRequest[],
  options: { tx?: Transaction /** Set by a cron schedule's firing. */; scheduleId?: string } = {},
): Promise<SubmitTaskOutput[]> {
  const prepared = inputs.map((input, index) =>
    prepareSubmit(ctx.catalog, input, ctx.defaultTimeoutSeconds, inputs.length > 1 ? index : undefined),
  );
  if (submitsInOneStatement(prepared, options)) {
    // null: the owner is near max_queue_size, where only the locked transaction below keeps it exact.
    const submitted = await submitCoalesced(ctx, caller.owner, prepared);
    if (submitted) return submitted;
  }
  const inTransaction = async (tx: Transaction): Promise<SubmitTaskOutput[]> => {
    await assertGroupsVisible(tx, caller, prepared);
    const existing = await existingByKey(tx, caller.owner, prepared);
    const fresh = prepared.filter((task) => !(task.idempotencyKey && existing.has(task.idempotencyKey)));
    // Without idempotency keys every row is inserted (no ON CONFLICT can skip one), so the queue count,
    // the rows, their first events, dependency edges and jobs go out as one pipeline (one round trip);
    // with keys the later statements depend on which rows the insert returned.
    const pipelined = prepared.every((task) => !task.idempotencyKey);
    if (fresh.length > 0 && !pipelined)
      await assertQueueRoom(tx, caller.owner, fresh.length, ctx.maxQueueSize);

    // blocked (dependencies), failed (a dependency already failed), scheduled (run_at) or queued.
    const states = await initialStates(tx, caller, fresh);
    const rows = fresh.map((task, index) => ({ id: randomUUID(), task, state: states[index] }));
    const inserted = new Map<string, { status: TaskStatus; createdAt: Date }>();
    const writeRest = (created: typeof rows) =>
      Promise.all([
        insertFirstEvents(
          tx,
          created.map(({ id, task, state }) => ({
            ...statusEvent(id, state?.status ?? 'queued', 0, state?.error ?? null),
            owner: caller.owner,
            workflow: task.workflow.name,
          })),
        ),
        insertDependencyEdges(
          tx,
          created.map(({ id, task }) => ({ taskId: id, dependsOn: task.dependsOn })),
        ),
        sendJobs(
          ctx,
          tx,
          created.filter(({ state }) => state?.status === 'queued' || state?.status === 'scheduled'),
        ),
      ]);
    if (rows.length > 0) {
      // Issued in this order (postgres.js sends a query when it is first awaited): the count before the
      // insert (it must not see these rows), the insert before the events and edges that reference it.
      const counting = pipelined ? countActive(tx, caller.owner, ctx.maxQueueSize) : undefined;
      const insert = tx
        .insert(tasks)
        .values(
          rows.map(({ id, task, state }) => ({
            id,
            owner: caller.owner,
            workflow: task.workflow.name,
            params: task.params,
            status: state?.status ?? 'queued',
            error: state?.error ?? null,
            dependsOn: task.dependsOn,
            scheduleId: options.scheduleId ?? null,
            ...(state?.status === 'failed'
              ? { completedAt: new Date(), expiresAt: new Date(Date.now() + ctx.resultTtlSeconds * 1000) }
              : {}),
            priority: task.priority,
            maxRetries: task.maxRetries,
            retryDelaySeconds: task.retryDelaySeconds,
            retryBackoff: task.retryBackoff,
            timeoutSeconds: task.timeoutSeconds,
            groupId: task.groupId,
            idempotencyKey: task.idempotencyKey,
            jobId: id,
            runAt: task.runAt,
            // Its first event (below) is seq 1.
            lastSeq: 1,
          })),
        )
        .onConflictDoNothing({
          target: [tasks.owner, tasks.idempotencyKey],
          where: sql`${tasks.idempotencyKey} is not null`,
        })
        .returning({ id: tasks.id, status: tasks.status, createdAt: tasks.createdAt });
      const inserting = insert.then((returned) => returned);
      const [returned, counted] = pipelined
        ? await Promise.all([inserting, counting, writeRest(rows)])
        : [await inserting, undefined];
      for (const row of returned)
        inserted.set(row.id, { status: row.status as TaskStatus, createdAt: row.createdAt });
      if (counted !== undefined) {
        await assertQueueRoomAfterInsert(tx, caller.owner, rows.length, ctx.maxQueueSize, counted);
      } else {
        await writeRest(rows.filter((row) => inserted.has(row.id)));
      }
    }

    // Keys that lost a race to a concurrent submit (the conflict above) resolve to the winner's task.
    const lostKeys = rows.filter((row) => !inserted.has(row.id) && row.task.idempotencyKey);
    if (lostKeys.length > 0) {
      for (const [key, value] of await existingByKey(tx, caller.owner, prepared)) existing.set(key, value);
    }

    const byIdempotencyKey = new Map<string, string>();
    return prepared.map((task): SubmitTaskOutput => {
      const key = task.idempotencyKey;
      const earlier = key ? existing.get(key) : undefined;
      if (key && earlier) return { ...earlier, deduplicated: true };
      const row = rows.find((candidate) => candidate.task === task);
      const stored = row ? inserted.get(row.id) : undefined;
      if (row && stored) {
        if (key) byIdempotencyKey.set(key, row.id);
        return {
          task_id: row.id,
          status: stored.status,
          created_at: stored.createdAt.toISOString(),
          deduplicated: false,
        };
      }
      // A key used twice in one batch: the second is the first task.
      const sameBatch = key ? byIdempotencyKey.get(key) : undefined;
      const first = sameBatch ? inserted.get(sameBatch) : undefined;
      if (sameBatch && first) {
        return {
          task_id: sameBatch,
          status: first.status,
          created_at: first.createdAt.toISOString(),
          deduplicated: true,
        };
      }
      throw new DomainError('INTERNAL', 'submitted task could not be resolved');
    });
  };
  // Joins the caller's transaction when given (a group created with its tasks commits as one).
  return options.tx ? inTransaction(options.tx) : ctx.db.transaction(inTransaction);
}

interface ExistingTask {
  task_id: string;
  status: TaskStatus;
  created_at: string;
}

async function existingByKey(
  tx: Transaction,
  owner: string,
  prepared: readonly PreparedTask[],
): Promise<Map<string, ExistingTask>> {
  const keys = [...new Set(prepared.flatMap((task) => (task.idempotencyKey ? [task.idempotencyKey] : [])))];
  const found = new Map<string, ExistingTask>();
  if (keys.length === 0) return found;
  const rows = await tx
    .select({ id: tasks.id, key: tasks.idempotencyKey, status: tasks.status, createdAt: tasks.createdAt })
    .from(tasks)
    .where(and(eq(tasks.owner, owner), inArray(tasks.idempotencyKey, keys)));
  for (const row of rows) {
    if (row.key) {
      found.set(row.key, {
        task_id: row.id,
        status: row.status as TaskStatus,
        created_at: row.createdAt.toISOString(),
      });
    }
  }
  return found;
}

async function assertGroupsVisible(tx: Transaction, caller: Caller, prepared: readonly PreparedTask[]) {
  const groupIds = [...new Set(prepared.flatMap((task) => (task.groupId ? [task.groupId] : [])))];
  if (groupIds.length === 0) return;
  const rows = await tx
    .select({ id: taskGroups.id, owner: taskGroups.owner, cancelledAt: taskGroups.cancelledAt })
    .from(taskGroups)
    .where(inArray(taskGroups.id, groupIds));
  for (const id of groupIds) {
    const group = rows.find((row) => row.id === id);
    if (!group || (!caller.admin && group.owner !== caller.owner)) {
      throw new DomainError('NOT_FOUND', `group ${id} not found`, {
        issues: [{ path: 'group_id', message: 'no such group' }],
      });
    }
    if (group.cancelledAt) {
      throw new DomainError('CONFLICT', `group ${id} was cancelled; it takes no new tasks`, {
        issues: [{ path: 'group_id', message: 'group cancelled' }],
      });
    }
  }
}

/** One `insert` per workflow queue, on the caller's transaction. */
async function sendJobs(
  ctx: TaskContext,
  tx: Transaction,
  created: readonly { id: string; task: PreparedTask }[],
): Promise<void> {
  const byQueue = new Map<string, JobInsert<TaskJobData>[]>();
  for (const { id, task } of created) {
    const queue = workflowQueue(task.workflow.name);
    const jobs = byQueue.get(queue) ?? [];
    jobs.push(jobOfTask(id, task, ctx.tuning));
    byQueue.set(queue, jobs);
  }
  const db = bossTx(tx);
  for (const [queue, jobs] of byQueue) {
    await ctx.boss.insert(queue, jobs, { db });
  }
}
