import { sql } from 'drizzle-orm';
import { type Executor, rowsOf, uuidArray } from '../db.ts';

export const TASK_EVENTS_CHANNEL = 'task_events';

/**
 * NOTIFY payloads are limited to 8000 bytes; an event whose payload is larger (a long error stack) is sent
 * without it and subscribers read it from the table.
 */
export const INLINE_PAYLOAD_LIMIT = 6000;

/**
 * The CTEs of every statement that appends numbered events: given a CTE `numbered` (task_id, seq, type,
 * payload, owner, workflow, at), `inserted` stores its rows in `task_events` and `notified` queues their
 * NOTIFYs in seq order (delivered at commit). The statement must read `notified` (PostgreSQL does not run a
 * SELECT-only CTE that nothing reads, and the NOTIFYs would be lost), as STORE_AND_NOTIFY_NUMBERED does.
 */
export const STORE_AND_NOTIFY_CTES = sql`inserted as (
      insert into task_events (task_id, seq, type, payload, at)
      select task_id, seq, type, payload, at from numbered
      returning 1
    ), notified as (
      select pg_notify(${TASK_EVENTS_CHANNEL}, json_build_object(
        'task_id', task_id, 'seq', seq, 'owner', owner, 'workflow', workflow, 'type', type, 'at', at,
        'payload', case when octet_length(payload::text) <= ${INLINE_PAYLOAD_LIMIT} then payload end
      )::text)
      from (select * from numbered order by task_id, seq) ordered
    )`;

/** STORE_AND_NOTIFY_CTES as the end of a statement: selects the `inserted` and `notified` counts. */
export const STORE_AND_NOTIFY_NUMBERED = sql`${STORE_AND_NOTIFY_CTES}
    select (select count(*) from inserted)::int as inserted, (select count(*) from notified)::int as notified`;

export interface NewTaskEvent {
  taskId: string;
  type: 'status' | 'progress' | 'log';
  payload: Record<string, unknown>;
}

/**
 * Appends events in the caller's transaction: numbers them per task from `tasks.last_seq` (the row lock
 * this update takes orders concurrent writers of one task, so seqs are gap-free and notifications of a task
 * are delivered in seq order), inserts the `task_events` rows, and queues one `pg_notify` per event, which
 * PostgreSQL delivers at commit (none after a rollback). One statement for any number of tasks, so batched
 * completions cost one round trip.
 */
// `at` is clock_timestamp(), read once the row lock is held, not now() (the transaction's start): a
// transaction that began before another writer of the task committed (a cancel that started while a progress
// statement ran) still stamps its events after that writer's, so clients ordering by time (the dashboard)
// never drop the later event as stale.
export async function appendEvents(executor: Executor, events: readonly NewTaskEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const input = JSON.stringify(
    events.map((event, index) => ({
      i: index,
      task_id: event.taskId,
      type: event.type,
      payload: event.payload,
    })),
  );
  const result = await executor.execute(sql`
    with input as (
      select (e->>'i')::int as i, (e->>'task_id')::uuid as task_id, e->>'type' as type, e->'payload' as payload
      from jsonb_array_elements(${input}::jsonb) e
    ), counts as (
      select task_id, count(*)::int as n from input group by task_id
    ), bumped as (
      update tasks t set last_seq = t.last_seq + c.n from counts c
      where t.id = c.task_id and t.id = any(${uuidArray([...new Set(events.map((event) => event.taskId))])})
      returning t.id, t.last_seq - c.n as base, t.owner, t.workflow
    ), numbered as (
      select input.task_id, input.type, input.payload, b.owner, b.workflow, clock_timestamp() as at,
        (b.base + row_number() over (partition by input.task_id order by input.i))::int as seq
      from input join bumped b on b.id = input.task_id
    ), ${STORE_AND_NOTIFY_NUMBERED}
  `);
  const [row] = rowsOf<{ inserted: number }>(result);
  return row?.inserted ?? 0;
}

export interface FirstTaskEvent extends NewTaskEvent {
  owner: string;
  workflow: string;
}

/**
 * The first event (seq 1) of tasks this transaction inserted with `last_seq = 1`: no counter to bump, so
 * one INSERT with its NOTIFYs and no second write of the new rows.
 */
export async function insertFirstEvents(
  executor: Executor,
  events: readonly FirstTaskEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const input = JSON.stringify(
    events.map((event) => ({
      task_id: event.taskId,
      owner: event.owner,
      workflow: event.workflow,
      type: event.type,
      payload: event.payload,
    })),
  );
  await executor.execute(sql`
    with input as (
      select * from jsonb_to_recordset(${input}::jsonb)
        as e(task_id uuid, owner text, workflow text, type text, payload jsonb)
    ), inserted as (
      insert into task_events (task_id, seq, type, payload, at)
      select task_id, 1, type, payload, now() from input
      returning 1
    ), notified as (
      select pg_notify(${TASK_EVENTS_CHANNEL}, json_build_object(
        'task_id', task_id, 'seq', 1, 'owner', owner, 'workflow', workflow, 'type', type, 'at', now(),
        'payload', case when octet_length(payload::text) <= ${INLINE_PAYLOAD_LIMIT} then payload end
      )::text)
      from input
    )
    select (select count(*) from inserted) + (select count(*) from notified) as written`);
}
