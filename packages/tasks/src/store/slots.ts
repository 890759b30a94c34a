import type postgres from 'postgres';
import { TASK_QUEUED_CHANNEL } from './events.ts';

/**
 * Cluster-wide running slots of a workflow as session advisory locks `(hash(workflow), slot)`: a slot is
 * held as long as the session that locked it lives.
 */
function slotKey(workflow: string): string {
  return `kaygraph.wf:${workflow}`;
}

/** Locks up to `room` free slots of `0..limit-1` other than `held` on `session`; returns those taken. */
export async function tryLockSlots(
  session: postgres.Sql,
  workflow: string,
  limit: number,
  held: readonly number[],
  room: number,
): Promise<number[]> {
  const rows = await session<{ slot: number }[]>`
    select s as slot from generate_series(0, ${limit - 1}::int) s
    where s <> all(${[...held]}::int[]) and pg_try_advisory_lock(hashtext(${slotKey(workflow)}), s)
    limit ${room}`;
  return rows.map((row) => row.slot);
}

/** Frees a slot nobody ran a task in (left over from a fetch or a re-lock): nothing waits for it. */
export async function unlockSlot(session: postgres.Sql, workflow: string, slot: number): Promise<void> {
  await session`select pg_advisory_unlock(hashtext(${slotKey(workflow)}), ${slot}::int)`;
}

/**
 * Frees the slot a task ran in and, in the same statement, wakes the workflow's dispatchers on every worker
 * (`task_queued`): its queued tasks found every slot taken, and any idle worker may start the next one.
 * Only a task's end sends it: a worker that freed unused slots this way would wake itself again and again.
 */
export async function freeSlotAndWake(session: postgres.Sql, workflow: string, slot: number): Promise<void> {
  await session`
    select pg_advisory_unlock(hashtext(${slotKey(workflow)}), ${slot}::int),
      pg_notify(${TASK_QUEUED_CHANNEL}, ${workflow})`;
}

/**
 * Locks `slots` again on `session` (a new session after a lost one); returns those it holds now. A slot this
 * session already holds is not locked twice (advisory locks stack within a session, and one unlock would
 * then leave it held): re-locks queued during an outage may all run on the session that comes back.
 */
export async function relockSlots(
  session: postgres.Sql,
  workflow: string,
  slots: readonly number[],
): Promise<number[]> {
  const rows = await session<{ slot: number }[]>`
    select s as slot from unnest(${[...slots]}::int[]) s
    where case
      when exists (
        select 1 from pg_locks l
        where l.locktype = 'advisory' and l.pid = pg_backend_pid() and l.granted and l.objsubid = 2
          and l.classid = hashtext(${slotKey(workflow)})::oid and l.objid = s::oid)
      then true
      else pg_try_advisory_lock(hashtext(${slotKey(workflow)}), s)
    end`;
  return rows.map((row) => row.slot);
}
