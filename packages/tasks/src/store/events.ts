import type { TaskError, TaskEventType, TaskStatus } from '@kaygraph/contracts';
import { type SQL, sql } from 'drizzle-orm';
import { type Executor, recordsJson, rowsOf, sentTogether, uuidArray } from '../db.ts';

/** Every stored event is announced here (payload: `TaskEventNotification` of contracts). */
export const TASK_EVENTS_CHANNEL = 'task_events';
/** A task of a workflow became queued (payload: the workflow): wakes the workers' dispatchers. */
export const TASK_QUEUED_CHANNEL = 'task_queued';
/** A running task was cancelled (payload: the task id): its worker aborts the run. */
export const TASK_CANCEL_CHANNEL = 'task_cancel';

/**
 * NOTIFY payloads are limited to 8000 bytes: an event whose payload is larger (a long error stack) is
 * announced without it and listeners read the stored row.
 */
export const INLINE_PAYLOAD_LIMIT = 6000;

export interface NewTaskEvent {
  taskId: string;
  type: TaskEventType;
  payload: Record<string, unknown>;
  /**
   * Written only if the task's row is in this state when the writer runs: lets an event travel in the same
   * round trip as the fenced update before it (same transaction), instead of waiting for its result. The
   * caller's update must have locked the rows it wrote, so the state cannot change in between.
   */
  onlyIf?: RowState;
}

/** A state of a task's row: status, and the job or attempt where given. */
export interface RowState {
  status: TaskStatus;
  /** The row's job; an event conditioned on it carries the row's `attempt` in its payload (a claim's). */
  jobId?: string;
  attempt?: number;
}

/** A status event; a completed task's carries `progress: 100` (the progress contract of contracts). */
export function statusEvent(
  taskId: string,
  status: TaskStatus,
  attempt: number,
  error: TaskError | null = null,
  /** A completion's last step and message, as its task row holds them (none: null). */
  last?: { step: string | null; message: string | null },
): NewTaskEvent {
  const payload: Record<string, unknown> =
    status === 'completed'
      ? {
          status,
          attempt,
          error,
          progress: 100,
          eta_seconds: 0,
          step: last?.step ?? null,
          message: last?.message ?? null,
        }
      : { status, attempt, error };
  return { taskId, type: 'status', payload };
}

/**
 * The `running` event of a claim sent with the claim's update: written only if the update took the task
 * (running on this job), carrying the attempt the update gave it.
 */
export function claimedEvent(taskId: string, jobId: string): NewTaskEvent {
  return {
    taskId,
    type: 'status',
    payload: { status: 'running', error: null },
    onlyIf: { status: 'running', jobId },
  };
}

/**
 * Appends events to existing tasks, in the caller's transaction: bumps each task's `last_seq` by its events
 * (the row lock this update takes orders concurrent writers of a task, so seqs are gap-free and a task's
 * notifications arrive in seq order) and writes them from the old value (eventsWritten). A `queued` status
 * event also wakes the workflow's dispatchers. Returns the events written.
 */
export async function appendEvents(executor: Executor, events: readonly NewTaskEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const input = recordsJson(
    events.map((event, index) => ({
      i: index,
      task_id: event.taskId,
      type: event.type,
      payload: event.payload,
      if_status: event.onlyIf?.status ?? null,
      if_job: event.onlyIf?.jobId ?? null,
      if_attempt: event.onlyIf?.attempt ?? null,
    })),
  );
  const taskIds = [...new Set(events.map((event) => event.taskId))].sort();
  const result = await executor.execute(sql`
    with given as (
      select * from jsonb_to_recordset(${input}::jsonb)
        as e(i int, task_id uuid, type text, payload jsonb, if_status text, if_job uuid, if_attempt int)
    ), input as (
      select * from given g
      where g.if_status is null or exists (
        select 1 from tasks r where r.id = g.task_id and r.status = g.if_status
          and (g.if_job is null or r.job_id = g.if_job) and (g.if_attempt is null or r.attempt = g.if_attempt))
    ), counts as (
      select task_id, count(*)::int as n from input group by task_id
    ), bumped as (
      update tasks t set last_seq = t.last_seq + c.n from counts c
      where t.id = c.task_id and t.id = any(${uuidArray(taskIds)})
      returning t.id, t.last_seq - c.n as base, t.owner, t.workflow, t.attempt
    ), ${eventsWritten(sql`(
      select input.task_id, input.i, input.type, b.owner, b.workflow, b.base,
        -- A claim's event carries the attempt its update gave (see claimedEvent).
        case when input.if_job is null then input.payload
          else input.payload || jsonb_build_object('attempt', b.attempt) end as payload
      from input join bumped b on b.id = input.task_id)`)}
    select * from written`);
  const [row] = rowsOf<{ inserted: number }>(result);
  return row?.inserted ?? 0;
}

/**
 * THE event writer, as `with` clauses of the caller's statement: numbers the events of `events` (a
 * relation of task_id, i, type, payload, owner, workflow and base, the task's last seq before them) per
 * task from `base` in `i` order, stores them and queues their NOTIFYs, delivered at commit (none after a
 * rollback). `at` is read per event once the statement holds the task rows, so a task's events are
 * stamped in seq order. `written` counts them; the statement must read it: a `with` clause nobody reads is
 * never run, and neither are its NOTIFYs; materialized, so its counts are all computed even when the
 * statement reads none of them.
 */
function eventsWritten(events: SQL): SQL {
  return sql`numbered as (
      select task_id, type, payload, owner, workflow, clock_timestamp() as at,
        (base + row_number() over (partition by task_id order by i))::int as seq
      from ${events} e
    ), inserted as (
      insert into task_events (task_id, seq, type, payload, at)
      select task_id, seq, type, payload, at from numbered
      returning 1
    ), notified as (
      select pg_notify(${TASK_EVENTS_CHANNEL}, json_build_object(
        'task_id', task_id, 'seq', seq, 'owner', owner, 'workflow', workflow, 'type', type, 'at', at,
        'payload', case when octet_length(payload::text) <= ${INLINE_PAYLOAD_LIMIT} then payload end
      )::text)
      from (select * from numbered order by task_id, seq) ordered
    ), woken as (
      select pg_notify(${TASK_QUEUED_CHANNEL}, workflow)
      from (select distinct workflow from numbered where type = 'status' and payload->>'status' = 'queued') q
    ), written as materialized (
      select (select count(*) from inserted)::int as inserted, (select count(*) from notified)::int as notified,
        (select count(*) from woken)::int as woken
    )`;
}

/**
 * The first events of task rows a statement inserts, as `with` clauses behind its own (ending in `written`,
 * which the statement must read): `rows` is a clause of the new rows' id, owner, workflow and their one
 * first event (type, payload), written by eventsWritten from base 0; the rows are inserted with
 * `last_seq` FIRST_EVENTS. No row, no event (an insert that skipped it).
 */
export function firstEventsOf(rows: SQL): SQL {
  return eventsWritten(
    sql`(select id as task_id, 0 as i, type, payload, owner, workflow, ${FIRST_EVENTS} - 1 as base from ${rows})`,
  );
}

/** A new task's events: its one first event, hence the `last_seq` its row is inserted with. */
export const FIRST_EVENTS = 1;

/**
 * Sends a fenced update and `events` right behind it, in the same round trip: each event
 * is conditioned (`onlyIf`) on the state the update leaves its row in, or is the first event of a row the
 * statement inserts (no row, no event). Resolves with the update's result.
 * `written` lists, from that result, the events that must have been written: had a driver sent the events
 * before the update, none matched, and those are written now.
 */
export async function appendEventsBehind<T>(
  executor: Executor,
  update: PromiseLike<T>,
  events: readonly NewTaskEvent[],
  written: (result: T) => readonly NewTaskEvent[],
): Promise<T> {
  // A drizzle query starts once `then` is called: the update is sent before the events.
  const updating = update.then((result) => result);
  const [result, count] = await sentTogether([updating, appendEvents(executor, events)] as const);
  const expected = written(result);
  if (count === expected.length) return result;
  if (count > 0) throw new Error(`${count} of ${expected.length} conditioned events were written`);
  await appendEvents(executor, expected);
  return result;
}

/** Tells the workers running these tasks to abort them (delivered at commit). */
export async function notifyCancelled(executor: Executor, taskIds: readonly string[]): Promise<void> {
  if (taskIds.length === 0) return;
  await executor.execute(sql`
    select pg_notify(${TASK_CANCEL_CHANNEL}, id::text) from unnest(${uuidArray(taskIds)}) as id`);
}

/** One stored event row. */
export interface StoredEvent {
  task_id: string;
  seq: number;
  type: string;
  payload: Record<string, unknown>;
  at: string;
}

/** Stored events of a task after `afterSeq`, in order. */
export async function readEvents(
  executor: Executor,
  taskId: string,
  afterSeq: number,
): Promise<StoredEvent[]> {
  return rowsOf<StoredEvent>(
    await executor.execute(sql`
      select task_id::text as task_id, seq, type, payload, to_json(at) #>> '{}' as at
      from task_events where task_id = ${taskId} and seq > ${afterSeq} order by seq`),
  );
}

/**
 * A task's last status event and last progress event at or before `seq`, in seq order: what the task's
 * state was folded from when `seq` was written (each a backward scan of the task's events from `seq`).
 */
export async function readStateEventsAt(
  executor: Executor,
  taskId: string,
  seq: number,
): Promise<StoredEvent[]> {
  const lastOf = (type: TaskEventType) => sql`(
    select task_id::text as task_id, seq, type, payload, to_json(at) #>> '{}' as at
    from task_events where task_id = ${taskId} and seq <= ${seq} and type = ${type}
    order by seq desc limit 1)`;
  return rowsOf<StoredEvent>(
    await executor.execute(sql`
      select * from (${lastOf('status')} union all ${lastOf('progress')}) last order by seq`),
  );
}

/** Stored events of several tasks, each after its own seq, in order per task. */
export async function readEventsAfter(
  executor: Executor,
  afterSeqs: ReadonlyMap<string, number>,
): Promise<StoredEvent[]> {
  if (afterSeqs.size === 0) return [];
  return rowsOf<StoredEvent>(
    await executor.execute(sql`
      select e.task_id::text as task_id, e.seq, e.type, e.payload, to_json(e.at) #>> '{}' as at
      from unnest(${uuidArray([...afterSeqs.keys()])}, ${`{${[...afterSeqs.values()].join(',')}}`}::int[])
        as x(task_id, seq)
      join task_events e on e.task_id = x.task_id and e.seq > x.seq
      order by e.task_id, e.seq`),
  );
}

/** A task's owner, status and last seq with its events after `afterSeq`, in one snapshot; null: no task. */
export async function readTaskHistory(
  executor: Executor,
  taskId: string,
  afterSeq: number,
): Promise<{ owner: string; status: TaskStatus; lastSeq: number; events: StoredEvent[] } | null> {
  const rows = rowsOf<{
    owner: string;
    status: TaskStatus;
    last_seq: number;
    seq: number | null;
    type: string | null;
    payload: Record<string, unknown> | null;
    at: string | null;
  }>(
    await executor.execute(sql`
      select t.owner, t.status, t.last_seq, e.seq, e.type, e.payload, to_json(e.at) #>> '{}' as at
      from tasks t left join task_events e on e.task_id = t.id and e.seq > ${afterSeq}
      where t.id = ${taskId}
      order by e.seq`),
  );
  const [first] = rows;
  if (!first) return null;
  const events: StoredEvent[] = [];
  for (const row of rows) {
    if (row.seq === null || row.type === null || row.payload === null || row.at === null) continue;
    events.push({ task_id: taskId, seq: row.seq, type: row.type, payload: row.payload, at: row.at });
  }
  return { owner: first.owner, status: first.status, lastSeq: first.last_seq, events };
}

/**
 * The status events of tasks that carry an error (failed attempts), in order: the attempt history of
 * dead letters.
 */
export async function readFailedAttempts(
  executor: Executor,
  taskIds: readonly string[],
): Promise<{ task_id: string; attempt: number; error: TaskError | null; at: string }[]> {
  if (taskIds.length === 0) return [];
  return rowsOf(
    await executor.execute(sql`
      select task_id::text as task_id, (payload->>'attempt')::int as attempt, payload->'error' as error,
        to_json(at) #>> '{}' as at
      from task_events
      where task_id = any(${uuidArray(taskIds)}) and type = 'status'
        and payload->>'status' in ('queued', 'failed') and jsonb_typeof(payload->'error') = 'object'
      order by task_id, seq`),
  );
}
