/**
 * The floor of a task drain: what a drain through pg-boss reaches when it makes only the writes that the
 * task lifecycle requires of every task, with the simplest SQL and no service around it. Tasks are submitted
 * through TaskService (real task rows, real jobs), then `loops` loops drain the queue with the same pg-boss
 * calls and the same event writer as our worker (the task system's job queue and `appendEvents`):
 * - `two-writes`: fetch + claim (status running, attempt, started_at; a `running` event) commit together,
 *   as the task must show `running` before it runs; then finish (status completed, result, completed_at,
 *   expires_at; a `completed` event) and the jobs' completion commit together;
 * - `one-write`: fetch, finish with both events and completion in one transaction (a design that writes a
 *   task once, when it ends).
 * No graph run, no fences, no checkpoints, no metrics, no dependents.
 */
import { appendEvents, statusEvent, type TaskSystem } from '@kaygraph/tasks';
import { sql } from 'drizzle-orm';
import { noopQueue, noopTaskSystem, submitNoopTasks } from './noop-tasks.ts';

export type FloorWrites = 'two-writes' | 'one-write';

export interface FloorSettings {
  writes: FloorWrites;
  /** Jobs per fetch of each loop (the raw drain's work(): 100). */
  batchSize: number;
  /** Loops at once (the raw drain's work() localConcurrency: 4). */
  loops: number;
}

/**
 * The floor at our worker's in-flight window at `concurrency`: two loops of `concurrency / 2`, as our
 * dispatcher keeps at most two fetches in flight and splits free slots between them in halves. A loop
 * holds its batch until the finish commits, while our worker frees a slot once the run ends, so this
 * window is, if anything, narrower than ours.
 */
export function sameWindowFloor(concurrency: number): FloorSettings {
  return { writes: 'two-writes', batchSize: Math.ceil(concurrency / 2), loops: 2 };
}

type Tx = Parameters<Parameters<TaskSystem['context']['db']['transaction']>[0]>[0];

const uuids = (ids: readonly string[]) => sql`${`{${ids.join(',')}}`}::uuid[]`;

async function claim(tx: Tx, ids: readonly string[]): Promise<void> {
  await tx.execute(sql`
    update tasks set status = 'running', attempt = attempt + 1, started_at = now(), updated_at = now()
    where id = any(${uuids(ids)})`);
  await appendEvents(
    tx,
    ids.map((id) => statusEvent(id, 'running', 1)),
  );
}

async function finish(
  tx: Tx,
  ids: readonly string[],
  events: readonly ('running' | 'completed')[],
): Promise<void> {
  await tx.execute(sql`
    update tasks set status = 'completed', result = 'null', progress = 100, completed_at = now(),
      expires_at = now() + interval '7 days', updated_at = now()
    where id = any(${uuids(ids)})`);
  await appendEvents(
    tx,
    ids.flatMap((id) => events.map((status) => statusEvent(id, status, 1))),
  );
}

/** Submits `tasks` tasks of `workflow`, then drains them as described above; returns tasks/s. */
export async function floorDrain(
  url: string,
  workflow: string,
  tasks: number,
  settings: FloorSettings,
): Promise<number> {
  const system = await noopTaskSystem(url);
  try {
    await submitNoopTasks(system, workflow, tasks);
    return await drainFloorQueue(system, workflow, tasks, settings);
  } finally {
    await system.close();
  }
}

/**
 * Drains the `tasks` queued tasks of `workflow` of `system` as described above; returns tasks/s. `measure`
 * wraps the drain alone (not the checks around it). Throws unless every task completed with its two status
 * events.
 */
export async function drainFloorQueue(
  system: TaskSystem,
  workflow: string,
  tasks: number,
  { writes, batchSize, loops }: FloorSettings,
  measure: (drain: () => Promise<void>) => Promise<void> = (drain) => drain(),
): Promise<number> {
  const { db, queue } = system.context;
  const written = async () => {
    const [row] = (await db.execute(sql`
      select (select count(*) from tasks where status = 'completed')::int as completed,
        (select count(*) from task_events where payload->>'status' in ('running', 'completed'))::int as events`)) as unknown as {
      completed: number;
      events: number;
    }[];
    return row ?? { completed: 0, events: 0 };
  };
  const before = await written();
  /** One batch; resolves with the number of jobs fetched (0 once the queue is empty). */
  const drainBatch = async (): Promise<number> => {
    const jobs = await db.transaction(async (tx) => {
      const fetched = await queue.fetch(tx, noopQueue(workflow), batchSize);
      const ids = fetched.map((job) => job.taskId);
      if (fetched.length === 0) return fetched;
      if (writes === 'two-writes') await claim(tx, ids);
      else {
        await finish(tx, ids, ['running', 'completed']);
        await queue.complete(tx, fetched);
      }
      return fetched;
    });
    if (jobs.length > 0 && writes === 'two-writes') {
      await db.transaction(async (tx) => {
        await finish(
          tx,
          jobs.map((job) => job.taskId),
          ['completed'],
        );
        await queue.complete(tx, jobs);
      });
    }
    return jobs.length;
  };
  const started = performance.now();
  await measure(async () => {
    await Promise.all(
      Array.from({ length: loops }, async () => {
        while ((await drainBatch()) > 0);
      }),
    );
  });
  const rate = tasks / ((performance.now() - started) / 1000);
  // The floor is only a floor if the writes were made: every task completed, with its events.
  const after = await written();
  if (after.completed - before.completed !== tasks || after.events - before.events !== 2 * tasks) {
    throw new Error(
      `the ${writes} floor drain wrote ${JSON.stringify({ before, after })} for ${tasks} tasks`,
    );
  }
  return rate;
}
