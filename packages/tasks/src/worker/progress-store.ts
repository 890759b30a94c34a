import { sql } from 'drizzle-orm';
import { type Executor, rowsOf, uuidArray } from '../db.ts';
import { STORE_AND_NOTIFY_NUMBERED } from '../events/append-events.ts';
import type { ClaimedTask } from './task-store.ts';

export interface ProgressWrite {
  claim: ClaimedTask;
  progress: number;
  step: string | null;
  message: string | null;
  etaSeconds: number | null;
}

export interface LogWrite {
  claim: ClaimedTask;
  level: string;
  message: string;
  data?: unknown;
}

interface TaskWrite {
  id: string;
  attempt: number;
  /** The status the task must still have (the fence; see uuidArray in db.ts for why it is input). */
  was: 'running';
  /** The latest progress of the task, or null when only logs are written. */
  progress: {
    progress: number;
    step: string | null;
    message: string | null;
    eta_seconds: number | null;
  } | null;
  events: { type: 'progress' | 'log'; payload: Record<string, unknown> }[];
}

/** What one flush of the reporter carries: a task's latest progress of the interval and its log lines. */
export interface ProgressFlush {
  progress: readonly ProgressWrite[];
  logs: readonly LogWrite[];
}

/**
 * One entry per task, its events in report order: flush by flush (flushes merged while a write was in
 * flight keep their order), within a flush its progress, then its logs. The row takes the last progress.
 */
function taskWrites(flushes: readonly ProgressFlush[]): TaskWrite[] {
  const byTask = new Map<string, TaskWrite>();
  const entry = (claim: ClaimedTask): TaskWrite => {
    let write = byTask.get(claim.taskId);
    if (!write) {
      write = { id: claim.taskId, attempt: claim.attempt, was: 'running', progress: null, events: [] };
      byTask.set(claim.taskId, write);
    }
    return write;
  };
  for (const flush of flushes) {
    for (const p of flush.progress) {
      const payload = { progress: p.progress, step: p.step, message: p.message, eta_seconds: p.etaSeconds };
      const write = entry(p.claim);
      write.progress = payload;
      write.events.push({ type: 'progress', payload });
    }
    for (const l of flush.logs) {
      const payload = {
        level: l.level,
        message: l.message,
        ...(l.data === undefined ? {} : { data: l.data }),
      };
      entry(l.claim).events.push({ type: 'log', payload });
    }
  }
  return [...byTask.values()];
}

/**
 * Progress and logs of running tasks in ONE autocommit statement (one round trip: the figure subscribers
 * wait for). Only claims that still own their task (same attempt, still running, checked under the row lock)
 * write anything. The task rows are locked in id order first, the package's lock order, so this cannot
 * deadlock with the worker's batched transactions. Seqs come from `tasks.last_seq` as in `appendEvents`.
 *
 * Durable like every event write: a NOTIFY announces a seq only once its row is on disk. (With
 * `synchronous_commit = off` a server crash could roll back a progress row that subscribers had already
 * been told about, and the task's next event would reuse its seq, which streams then skip as seen.)
 * Returns the number of events written.
 */
export async function writeProgressAndLogs(
  executor: Executor,
  flushes: readonly ProgressFlush[],
): Promise<number> {
  const writes = taskWrites(flushes);
  if (writes.length === 0) return 0;
  const result = await executor.execute(sql`
    with input as (
      select * from jsonb_to_recordset(${JSON.stringify(writes)}::jsonb)
        as x(id uuid, attempt int, was text, progress jsonb, events jsonb)
    ), locked as (
      select id from tasks where id = any(${uuidArray(writes.map((write) => write.id))})
      order by id for no key update
    ), owned as (
      update tasks t set
        progress = coalesce((x.progress->>'progress')::real, t.progress),
        step = case when x.progress is null then t.step else x.progress->>'step' end,
        message = case when x.progress is null then t.message else x.progress->>'message' end,
        eta_seconds = case when x.progress is null then t.eta_seconds else (x.progress->>'eta_seconds')::real end,
        updated_at = case when x.progress is null then t.updated_at else now() end,
        last_seq = t.last_seq + jsonb_array_length(x.events)
      from input x
      where t.id = x.id and t.attempt = x.attempt and t.status = x.was and t.id = any(array(select id from locked))
      returning t.id, t.last_seq - jsonb_array_length(x.events) as base, t.owner, t.workflow, x.events
    ), numbered as (
      select o.id as task_id, (o.base + e.ord)::int as seq, e.value->>'type' as type, e.value->'payload' as payload,
        o.owner, o.workflow, now() as at
      from owned o cross join lateral jsonb_array_elements(o.events) with ordinality as e(value, ord)
    ), ${STORE_AND_NOTIFY_NUMBERED}`);
  const [row] = rowsOf<{ inserted: number }>(result);
  return row?.inserted ?? 0;
}
