/**
 * The floor of a task drain: what a drain through pg-boss reaches when it makes only the writes that the
 * task lifecycle issue requires of every task, with the simplest SQL and no service around it. Tasks are
 * submitted through TaskService (real task rows, real jobs in the workflow's queue), then `loops` loops
 * drain the queue, each batch in as few transactions as our worker uses:
 * - `two-writes`: pg-boss' fetch and the claim (status running, attempt, started_at; a `running` event row
 *   and its NOTIFY) commit together, as the task must show `running` before it runs; then the finish
 *   (status completed, result, completed_at, expires_at; a `completed` event row and its NOTIFY) and
 *   pg-boss' completion of the jobs commit together. Two commits per batch, as our worker's fetch + claim
 *   and outcome transactions.
 * - `one-write`: the fetch, the finish with both events and the completion in one transaction: a design that
 *   writes a task once, when it ends (its `running` event then arrives with its completion).
 * No graph run, no fences, no checkpoints, no metrics, no progress event, no dependents. pg-boss' own
 * statements run on the same transaction through a `Db` adapter, as our worker runs them.
 */
import { workflowQueue } from '@kaygraph/tasks';
import { type Db, PgBoss } from 'pg-boss';
import postgres from 'postgres';
import { noopTaskSystem, submitNoopTasks } from './noop-tasks.ts';

export type FloorWrites = 'two-writes' | 'one-write';

/** Events of `c` (id, owner, workflow, last_seq) numbered back from last_seq, stored and NOTIFYed. */
const storeAndNotify = (events: readonly string[]) => `
  e as (
    select c.id, c.owner, c.workflow, c.last_seq - ${events.length} + k.n as seq, k.status
    from c cross join (values ${events.map((status, i) => `(${i + 1}, '${status}')`).join(', ')}) as k(n, status)
  ), i as (
    insert into task_events (task_id, seq, type, payload, at)
    select id, seq, 'status', jsonb_build_object('status', status, 'attempt', 1, 'error', null), now() from e
    returning 1
  ), n as (
    select pg_notify('task_events', json_build_object('task_id', id, 'seq', seq, 'owner', owner,
      'workflow', workflow, 'type', 'status', 'at', now(),
      'payload', json_build_object('status', status, 'attempt', 1, 'error', null))::text)
    from e
  )
  select (select count(*) from i) + (select count(*) from n) as written`;

const CLAIM = `
  with c as (
    update tasks t set status = 'running', attempt = t.attempt + 1, started_at = now(), updated_at = now(),
      last_seq = t.last_seq + 1
    where t.id = any($1::uuid[])
    returning t.id, t.owner, t.workflow, t.last_seq
  ), ${storeAndNotify(['running'])}`;

const finish = (events: readonly string[]) => `
  with c as (
    update tasks t set status = 'completed', result = 'null', progress = 100, completed_at = now(),
      expires_at = now() + interval '7 days', updated_at = now(), last_seq = t.last_seq + ${events.length}
    where t.id = any($1::uuid[])
    returning t.id, t.owner, t.workflow, t.last_seq
  ), ${storeAndNotify(events)}`;

export interface FloorSettings {
  writes: FloorWrites;
  /** Jobs per fetch of each loop (the raw drain's work(): 100). */
  batchSize: number;
  /** Loops at once (the raw drain's work() localConcurrency: 4). */
  loops: number;
}

/** A parameter as PostgreSQL reads it: arrays as array literals (the statements cast them), objects as JSON. */
function parameter(value: unknown): unknown {
  if (Array.isArray(value))
    return `{${value.map((v) => `"${String(v).replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) return JSON.stringify(value);
  return value;
}

/** pg-boss' statements on a postgres.js transaction. */
function bossDb(tx: postgres.TransactionSql): Db {
  return {
    executeSql: async (text, values = []) => ({
      rows: await tx.unsafe(text, values.map(parameter) as postgres.ParameterOrJSON<never>[]),
    }),
  };
}

/** Submits `tasks` tasks of `workflow`, then drains them as described above; returns tasks/s. */
export async function floorDrain(
  url: string,
  workflow: string,
  tasks: number,
  { writes, batchSize, loops }: FloorSettings,
): Promise<number> {
  const system = await noopTaskSystem(url);
  try {
    await submitNoopTasks(system, workflow, tasks);
  } finally {
    await system.close();
  }
  const sql = postgres(url, { max: loops + 1, onnotice: () => {} });
  const boss = new PgBoss({ connectionString: url, max: 10 });
  boss.on('error', () => undefined);
  await boss.start();
  try {
    const written = async () => {
      const [row] = await sql<{ completed: number; events: number }[]>`
        select (select count(*) from tasks where status = 'completed')::int as completed,
          (select count(*) from task_events where payload->>'status' in ('running', 'completed'))::int as events`;
      return row ?? { completed: 0, events: 0 };
    };
    const before = await written();
    const queue = workflowQueue(workflow);
    const finishText = writes === 'two-writes' ? finish(['completed']) : finish(['running', 'completed']);
    /** One batch: its task ids, or none once the queue is empty. */
    const drainBatch = async (): Promise<number> => {
      const jobs = await sql.begin(async (tx) => {
        const fetched = await boss.fetch<{ task_id: string }>(queue, { batchSize, db: bossDb(tx) });
        const ids = fetched.map((job) => job.data.task_id);
        if (fetched.length === 0) return fetched;
        if (writes === 'two-writes') {
          await tx.unsafe(CLAIM, [parameter(ids) as string]);
        } else {
          await tx.unsafe(finishText, [parameter(ids) as string]);
          await boss.complete(
            queue,
            fetched.map((job) => job.id),
            null,
            { db: bossDb(tx) },
          );
        }
        return fetched;
      });
      if (jobs.length > 0 && writes === 'two-writes') {
        await sql.begin(async (tx) => {
          await tx.unsafe(finishText, [parameter(jobs.map((job) => job.data.task_id)) as string]);
          await boss.complete(
            queue,
            jobs.map((job) => job.id),
            null,
            { db: bossDb(tx) },
          );
        });
      }
      return jobs.length;
    };
    const started = performance.now();
    await Promise.all(
      Array.from({ length: loops }, async () => {
        while ((await drainBatch()) > 0);
      }),
    );
    const rate = tasks / ((performance.now() - started) / 1000);
    // The floor is only a floor if the writes were made: every task completed, with its events.
    const after = await written();
    if (after.completed - before.completed !== tasks || after.events - before.events !== 2 * tasks) {
      throw new Error(
        `the ${writes} floor drain wrote ${JSON.stringify({ before, after })} for ${tasks} tasks`,
      );
    }
    return rate;
  } finally {
    await boss.stop({ graceful: false, timeout: 1000 });
    await sql.end({ timeout: 5 });
  }
}
