import type { TaskStatus, TaskWait } from '@kaygraph/contracts';
import type { ResumeValue, RunMetrics } from '@kaygraph/graph';
import { type SQL, sql } from 'drizzle-orm';
import type { StoredCheckpoint } from '../attempt-data.ts';
import { recordsJson, rowsOf, type Transaction, uuidArray } from '../db.ts';
import { metricsColumns } from '../task-metrics.ts';
import type { Attempt } from './claim.ts';
import type { SettleContext } from './dependencies.ts';
import { appendEvents, type NewTaskEvent, statusEvent } from './events.ts';
import { ATTEMPT_FENCE, lockedTasks } from './fences.ts';
import { forgetStoredSignalKeys } from './signal-keys.ts';
import { TASK_JOB_COLUMNS, type TaskJobRow, taskJobOf } from './task-jobs.ts';

/**
 * Durable waits. A run that suspends leaves its task `waiting` with the checkpoint and `wait` (what it
 * waits for) and no running job; a signal, a timer or the last child ends the wait by setting `resume`
 * and queueing the task as a new job, which any worker claims and resumes from the checkpoint. Every
 * path locks the task row first, so exactly one of them ends a wait. A timer job (the task's next job,
 * `startAfter` its deadline) only matches the wait it was made for, through `job_id`; `wait_seq` merely
 * counts waits.
 */

/**
 * The wait columns of a task row `t` taking `status`: a finished task (completed, failed, cancelled,
 * lost) keeps neither its `wait` nor `resume` (how its last wait ended), so a retry by hand of a task
 * whose checkpoint still waits runs the waiting node again and asks for a fresh wait. An unfinished
 * status keeps both (a run retried by pg-boss resumes with the same value). The first saved checkpoint
 * of a resumed run also clears `resume` (store/progress.ts): the run got past its wait.
 */
export function waitColumnsFor(status: SQL): SQL {
  const finished = sql`${status} in ('completed', 'failed', 'cancelled')`;
  return sql`wait = case when ${finished} then null else t.wait end,
        resume = case when ${finished} then null else t.resume end`;
}

/** An attempt that suspended at a wait (store/finish.ts settles it with the other outcomes). */
export interface SuspendedAttempt {
  kind: 'suspended';
  attempt: Attempt;
  checkpoint: StoredCheckpoint;
  metrics: RunMetrics;
  wait: TaskWait;
  /** When the wait ends by itself (a signal's deadline, the end of a sleep): its timer job's start. */
  timerAt: Date | null;
}

/** A signal payload is repeated in its event only up to this size (the node gets it whatever its size). */
const EVENT_PAYLOAD_LIMIT = 4000;

export function waitingEvent(taskId: string, wait: TaskWait): NewTaskEvent {
  return { taskId, type: 'waiting', payload: { wait } };
}

export function signalEvent(
  taskId: string,
  name: string,
  taken: 'resumed' | 'stored',
  payload: unknown,
): NewTaskEvent {
  const text = JSON.stringify(payload) ?? 'null';
  const shown = Buffer.byteLength(text) <= EVENT_PAYLOAD_LIMIT ? { payload } : {};
  return { taskId, type: 'signal_received', payload: { name, taken, ...shown } };
}

/** A task row's job columns and its attempt (for its status event). */
interface TaskJobAttemptRow extends TaskJobRow {
  attempt: number;
}

/**
 * Stores suspended attempts that still own their task (fenced): status `waiting`, checkpoint, wait,
 * `wait_seq + 1`, `resume` cleared, and a fresh `job_id` for the timer. Then the `waiting` events; a
 * signal sent early (task_signals) ends its wait at once; otherwise a timed wait gets its timer job.
 * The caller settles the attempts' jobs. Returns the ids of the tasks stored as waiting.
 */
export async function suspendTasks(
  ctx: SettleContext,
  tx: Transaction,
  suspended: readonly SuspendedAttempt[],
): Promise<Set<string>> {
  if (suspended.length === 0) return new Set();
  const input = recordsJson(
    suspended.map((s) => ({
      id: s.attempt.taskId,
      attempt: s.attempt.attempt,
      was: 'running',
      checkpoint: s.checkpoint,
      ...metricsColumns(s.metrics),
      wait: s.wait,
    })),
  );
  const rows = rowsOf<TaskJobAttemptRow>(
    await tx.execute(sql`
      with x as (
        select * from jsonb_to_recordset(${input}::jsonb)
          as x(id uuid, attempt int, was text, checkpoint jsonb, metrics jsonb, metrics_omitted int,
            metrics_by_node jsonb, wait jsonb)
      ), ${lockedTasks(suspended.map((s) => s.attempt.taskId))}
      update tasks t set status = 'waiting', checkpoint = x.checkpoint, metrics = x.metrics,
        metrics_omitted = x.metrics_omitted, metrics_by_node = x.metrics_by_node,
        -- A children wait counts its children into the progress from where the parent stood.
        wait = case when x.wait->>'kind' = 'children'
          then x.wait || jsonb_build_object('progress_from', t.progress) else x.wait end,
        wait_seq = t.wait_seq + 1, resume = null, job_id = gen_random_uuid(), error = null,
        eta_seconds = null, updated_at = clock_timestamp()
      from x
      where ${ATTEMPT_FENCE}
      returning ${TASK_JOB_COLUMNS}, t.attempt`),
  );
  const byId = new Map(suspended.map((s) => [s.attempt.taskId, s]));
  const owned = rows.flatMap((row) => {
    const s = byId.get(row.id);
    return s ? [{ row, wait: s.wait, timerAt: s.timerAt }] : [];
  });
  await appendEvents(
    tx,
    owned.flatMap(({ row, wait }) => [
      statusEvent(row.id, 'waiting', row.attempt),
      waitingEvent(row.id, wait),
    ]),
  );
  const early = await takeEarlySignals(
    tx,
    owned.flatMap(({ row, wait }) =>
      wait.kind === 'signal' ? [{ task_id: row.id, name: wait.signal }] : [],
    ),
  );
  await resumeTasks(
    ctx,
    tx,
    early.map((signal) => ({
      taskId: signal.task_id,
      resume: { kind: 'signal', name: signal.name, payload: signal.payload },
      events: [signalEvent(signal.task_id, signal.name, 'resumed', signal.payload)],
    })),
  );
  const resumed = new Set(early.map((signal) => signal.task_id));
  await ctx.queue.insert(
    tx,
    owned.flatMap(({ row, timerAt }) => (timerAt && !resumed.has(row.id) ? [taskJobOf(row, timerAt)] : [])),
  );
  return new Set(owned.map(({ row }) => row.id));
}

/** Takes (deletes) the kept signals of (task, name) pairs; returns them. */
async function takeEarlySignals(
  tx: Transaction,
  wanted: readonly { task_id: string; name: string }[],
): Promise<{ task_id: string; name: string; payload: unknown }[]> {
  if (wanted.length === 0) return [];
  return rowsOf(
    await tx.execute(sql`
      delete from task_signals s
      using jsonb_to_recordset(${recordsJson(wanted)}::jsonb) as w(task_id uuid, name text)
      where s.task_id = w.task_id and s.name = w.name
      returning s.task_id::text as task_id, s.name, s.payload`),
  );
}

/** A wait to end: how it ended, and the events that say so (before the `queued` status event). */
export interface Resume {
  taskId: string;
  resume: ResumeValue;
  events: NewTaskEvent[];
}

/**
 * Ends waits whose task rows the caller has locked: `resume` set, `wait` cleared, status `queued` with a
 * new job (the task's full retry budget), events. A task that is no longer waiting is left alone.
 */
export async function resumeTasks(
  ctx: SettleContext,
  tx: Transaction,
  resumes: readonly Resume[],
): Promise<void> {
  if (resumes.length === 0) return;
  const input = recordsJson(resumes.map((r) => ({ id: r.taskId, resume: r.resume })));
  const rows = rowsOf<TaskJobAttemptRow>(
    await tx.execute(sql`
      update tasks t set status = 'queued', resume = x.resume, wait = null, job_id = gen_random_uuid(),
        updated_at = clock_timestamp()
      from jsonb_to_recordset(${input}::jsonb) as x(id uuid, resume jsonb)
      where t.id = x.id and t.id = any(${uuidArray(resumes.map((r) => r.taskId))}) and t.status = 'waiting'
      returning ${TASK_JOB_COLUMNS}, t.attempt`),
  );
  const resumed = new Set(rows.map((row) => row.id));
  await appendEvents(tx, [
    ...resumes.filter((r) => resumed.has(r.taskId)).flatMap((r) => r.events),
    ...rows.map((row) => statusEvent(row.id, 'queued', row.attempt)),
  ]);
  await ctx.queue.insert(
    tx,
    rows.map((row) => taskJobOf(row)),
  );
}

/** A task as a signal for `name` finds it, read under its row lock (`lockSignalTarget`). */
export interface SignalTarget {
  workflow: string;
  workflow_version: string | null;
  job_id: string | null;
  status: TaskStatus;
  wait: TaskWait | null;
  /** The wait for this signal ended (resume pending) and the resumed run has not got past it yet. */
  ended_it: boolean;
  past_deadline: boolean;
  /** The task already holds a kept signal of this name. */
  stored: boolean;
}

/**
 * Locks the task's row, then reads what a signal for `name` decides on (service/signal.ts); none: no task.
 * The read is a statement of its own, started once the lock is held: it sees the signal a concurrent
 * sender kept before releasing the lock (a locking statement's subqueries keep the snapshot it began with).
 */
export async function lockSignalTarget(
  tx: Transaction,
  taskId: string,
  name: string,
): Promise<SignalTarget | undefined> {
  const locked = rowsOf<{ id: string }>(
    await tx.execute(sql`select id from tasks where id = ${taskId} for no key update`),
  );
  if (locked.length === 0) return undefined;
  const [task] = rowsOf<SignalTarget>(
    await tx.execute(sql`
      select t.workflow, t.workflow_version, t.job_id, t.status, t.wait,
        coalesce(t.resume is not null and t.checkpoint->'waiting'->'wait'->>'kind' = 'signal'
          and t.checkpoint->'waiting'->'wait'->>'name' = ${name}, false) as ended_it,
        coalesce((t.wait->>'deadline')::timestamptz <= statement_timestamp(), false) as past_deadline,
        exists (select 1 from task_signals s where s.task_id = t.id and s.name = ${name}) as stored
      from tasks t where t.id = ${taskId}`),
  );
  return task;
}

/**
 * A signal is for the run it was sent to: a finished task run again by hand (retry, redrive, a dependent
 * blocked again by its dependency's retry) starts without the signals kept for the run before it. Deletes
 * them and returns the `log` events that say so. Cold paths only: a finish keeps them (a cancelled or
 * failed task takes no signal), and a retry of pg-boss, a release or a lost worker's requeue is the same
 * run and keeps them.
 */
export async function discardKeptSignals(
  tx: Transaction,
  taskIds: readonly string[],
): Promise<NewTaskEvent[]> {
  if (taskIds.length === 0) return [];
  const discarded = rowsOf<{ task_id: string; name: string }>(
    await tx.execute(sql`
      delete from task_signals where task_id = any(${uuidArray(taskIds)})
      returning task_id::text as task_id, name`),
  );
  await forgetStoredSignalKeys(tx, discarded);
  return discarded.map((signal) => ({
    taskId: signal.task_id,
    type: 'log',
    payload: {
      level: 'info',
      message: `the signal "${signal.name}" kept for the run before this retry was discarded`,
    },
  }));
}

/** Keeps a signal for the task's next wait for `name`, with its `stored` event. */
export async function keepSignal(
  tx: Transaction,
  taskId: string,
  name: string,
  payload: unknown,
): Promise<void> {
  await tx.execute(sql`
    insert into task_signals (task_id, name, payload) values (${taskId}, ${name}, ${JSON.stringify(payload)}::jsonb)`);
  await appendEvents(tx, [signalEvent(taskId, name, 'stored', payload)]);
}
