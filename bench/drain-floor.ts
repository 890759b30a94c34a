/**
 * The floor of a task drain: what raw pg-boss drains when each batch also makes only the writes that the
 * task lifecycle issue requires of every task, with the simplest SQL and no service around it. Tasks are
 * submitted through TaskService (real task rows, real jobs in the workflow's queue); pg-boss' own work()
 * loop then drains that queue, and its handler writes, per batch:
 * - `two-writes`: the claim (status running, attempt, started_at; a `running` event row and its NOTIFY)
 *   and the finish (status completed, result, completed_at, expires_at; a `completed` event row and its
 *   NOTIFY), as two statements;
 * - `one-write`: the finish only, with both events: a design that writes a task once, when it ends (its
 *   `running` event then arrives with its completion).
 * No graph run, no fences, no checkpoints, no metrics, no progress event, no dependents, the job completed
 * outside the transaction (pg-boss' own, after the handler). With the raw drain's batch settings this is
 * what the spec's writes leave of raw pg-boss' rate at those settings; larger batches raise it (each
 * statement and commit is shared by more tasks), which `batchSize` and `loops` show.
 */
import { createTaskSystem, type WorkflowCatalog, workflowQueue } from '@kaygraph/tasks';
import { PgBoss } from 'pg-boss';
import pino from 'pino';
import postgres from 'postgres';

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
  /** Jobs per fetch of each work() loop (the raw drain's: 100). */
  batchSize: number;
  /** work() loops at once (localConcurrency; the raw drain's: 4). */
  loops: number;
}

/** Submits `tasks` tasks of `workflow`, then drains them as described above; returns tasks/s. */
export async function floorDrain(
  url: string,
  catalog: WorkflowCatalog,
  workflow: string,
  tasks: number,
  { writes, batchSize, loops }: FloorSettings,
): Promise<number> {
  const system = await createTaskSystem({
    databaseUrl: url,
    catalog,
    logger: pino({ level: 'warn' }),
    maxQueueSize: 10_000_000,
  });
  try {
    for (let i = 0; i < tasks; i += 1000) {
      const batch = Array.from({ length: Math.min(1000, tasks - i) }, () => ({
        workflow,
        params: {},
        priority: 'normal' as const,
      }));
      await system.tasks.submitMany({ owner: 'bench', admin: false }, batch);
    }
  } finally {
    await system.close();
  }
  const sql = postgres(url, { max: 8, onnotice: () => {} });
  const boss = new PgBoss({ connectionString: url, max: 10 });
  boss.on('error', () => undefined);
  await boss.start();
  try {
    let done = 0;
    let finished: () => void = () => undefined;
    const allDone = new Promise<void>((resolve) => {
      finished = resolve;
    });
    const written = async () => {
      const [row] = await sql<{ completed: number; events: number }[]>`
        select (select count(*) from tasks where status = 'completed')::int as completed,
          (select count(*) from task_events where payload->>'status' in ('running', 'completed'))::int as events`;
      return row ?? { completed: 0, events: 0 };
    };
    const before = await written();
    const finishText = writes === 'two-writes' ? finish(['completed']) : finish(['running', 'completed']);
    const started = performance.now();
    await boss.work<{ task_id: string }>(
      workflowQueue(workflow),
      { batchSize, localConcurrency: loops, burstWhenBatchFull: true, pollingIntervalSeconds: 0.5 },
      async (batch) => {
        const ids = batch.map((job) => job.data.task_id);
        if (writes === 'two-writes') await sql.unsafe(CLAIM, [ids]);
        await sql.unsafe(finishText, [ids]);
        done += batch.length;
        if (done >= tasks) setImmediate(finished);
      },
    );
    await allDone;
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
