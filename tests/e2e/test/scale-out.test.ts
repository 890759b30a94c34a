import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@kaygraph/client';
import type { TaskEvent } from '@kaygraph/contracts';
import { createTestDatabase, type TestDatabase } from '@kaygraph/db/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StepStart } from '../src/e2e-workflows.ts';
import { requestJson } from '../src/http.ts';
import { type ApiProcess, Processes, type ServiceProcess } from '../src/processes.ts';
import { inParallel, waitFor } from '../src/wait.ts';

/** Two api and three worker processes on one database, as `docker compose up --scale` runs them. */
const processes = new Processes();
let database: TestDatabase;
let sql: postgres.Sql;
let apiA: ApiProcess;
let apiB: ApiProcess;
let workers: ServiceProcess[];
let scheduleId: string;
let scheduleCreatedAt: number;
const dir = mkdtempSync(join(tmpdir(), 'kg-e2e-scale-'));

beforeAll(async () => {
  database = await createTestDatabase();
  sql = postgres(database.url, { max: 2, onnotice: () => {} });
  const databaseUrl = database.url;
  [apiA, apiB] = await Promise.all([
    processes.startApi({ databaseUrl }),
    processes.startApi({ databaseUrl }),
  ]);
  workers = await Promise.all(
    [1, 2, 3].map(() => processes.startWorker({ databaseUrl, env: { MAX_WORKERS: '4' } })),
  );
  // Every minute, from now on, while the other tests run: five processes compete to fire it.
  const created = await requestJson<{ schedule_id: string }>(`${apiA.url}/schedules`, {
    body: { name: 'e2e-every-minute', cron: '* * * * *', workflow: 'demo', params: { steps: 1, step_ms: 0 } },
  });
  if (created.status !== 200 && created.status !== 201)
    throw new Error(`creating the schedule answered ${created.status}: ${JSON.stringify(created.body)}`);
  scheduleId = created.body.schedule_id;
  scheduleCreatedAt = Date.now();
});

afterAll(async () => {
  await processes.killAll();
  await sql?.end({ timeout: 5 });
  await database?.[Symbol.asyncDispose]();
});

const TOTAL = 2_000;

describe('2 api + 3 worker processes on one database', () => {
  it('2,000 demo tasks submitted across both apis all complete, each attempt run once', async () => {
    // Half over REST on api A (one per request, 20 in flight), half through tRPC submitMany on api B.
    const ids: string[] = new Array(TOTAL);
    await inParallel(TOTAL / 2, 20, async (i) => {
      const { status, body } = await requestJson<{ task_id: string }>(`${apiA.url}/tasks`, {
        body: { workflow: 'demo', params: { steps: 2, step_ms: 0, result: i } },
      });
      expect(status).toBe(202);
      ids[i] = body.task_id;
    });
    using client = createClient({ url: apiB.url });
    // Batches of MAX_BATCH_SIZE (50 by default).
    for (let from = TOTAL / 2; from < TOTAL; from += 50) {
      const batch = Array.from({ length: 50 }, (_, k) => ({
        workflow: 'demo',
        params: { steps: 2, step_ms: 0, result: from + k },
      }));
      const { tasks } = await client.tasks.submitMany.mutate({ tasks: batch });
      tasks.forEach((task, k) => {
        ids[from + k] = task.task_id;
      });
    }
    expect(new Set(ids).size).toBe(TOTAL);

    await waitFor(
      async () => {
        const [row] = await sql<{ n: number }[]>`
          select count(*)::int as n from tasks
          where schedule_id is null and status in ('completed', 'failed', 'cancelled')`;
        return (row?.n ?? 0) >= TOTAL;
      },
      'every task to finish',
      { timeoutMs: 110_000, intervalMs: 200 },
    );

    const rows = await sql<
      { id: string; status: string; attempt: number; result: unknown; params: unknown }[]
    >`
      select id, status, attempt, result, params from tasks where schedule_id is null and workflow = 'demo'`;
    expect(rows).toHaveLength(TOTAL);
    for (const row of rows) {
      const index = (row.params as { result: number }).result;
      expect(ids[index]).toBe(row.id);
      expect({ status: row.status, attempt: row.attempt }).toEqual({ status: 'completed', attempt: 1 });
      // The demo result lists every step that ran with its attempt: each step once, in attempt 1.
      expect(row.result).toEqual({
        result: index,
        steps: [
          { step: 1, attempt: 1 },
          { step: 2, attempt: 1 },
        ],
        attempt: 1,
      });
    }
    // One `running` and one `completed` status event per task, whichever worker ran it.
    const statusEvents = await sql<{ status: string; tasks: number; events: number }[]>`
      select payload->>'status' as status, count(distinct task_id)::int as tasks, count(*)::int as events
      from task_events
      where type = 'status' and task_id in (select id from tasks where schedule_id is null and workflow = 'demo')
      group by 1 order by 1`;
    const byStatus = Object.fromEntries(statusEvents.map((s) => [s.status, s]));
    expect(byStatus.running).toEqual({ status: 'running', tasks: TOTAL, events: TOTAL });
    expect(byStatus.completed).toEqual({ status: 'completed', tasks: TOTAL, events: TOTAL });
    for (const worker of workers) expect(worker.child.exitCode).toBeNull();
  });

  it('a subscriber on api A sees every event of tasks submitted on api B and run by any worker', async () => {
    const record = join(dir, 'watched.jsonl');
    using submitter = createClient({ url: apiB.url });
    using subscriber = createClient({ url: apiA.url });
    const submitted = await submitter.tasks.submitMany.mutate({
      tasks: Array.from({ length: 24 }, () => ({
        workflow: 'recorded',
        params: { steps: 3, step_ms: 30, record_file: record },
      })),
    });
    const seen = await Promise.all(
      submitted.tasks.map(async ({ task_id }) => {
        const events: TaskEvent[] = [];
        for await (const event of subscriber.watch(task_id)) events.push(event);
        return { task_id, events };
      }),
    );
    for (const { task_id, events } of seen) {
      const stored = await sql<{ seq: number; type: string }[]>`
        select seq, type from task_events where task_id = ${task_id} order by seq`;
      expect(events.map((e) => [e.seq, e.type])).toEqual(stored.map((e) => [e.seq, e.type]));
      expect(events.at(-1)).toMatchObject({ type: 'status', status: 'completed' });
    }
    // The watched tasks really ran in the worker processes (not in an api), in more than one of them.
    const starts = readFileSync(record, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as StepStart);
    expect(starts).toHaveLength(24 * 3);
    const pids = new Set(starts.map((s) => s.pid));
    const workerPids = new Set(workers.map((w) => w.pid));
    for (const pid of pids) expect(workerPids.has(pid)).toBe(true);
    expect(pids.size).toBeGreaterThan(1);
  });

  it('a cron schedule fires once per occurrence, however many processes could fire it', async () => {
    const scheduled = async () =>
      sql<{ id: string; status: string }[]>`select id, status from tasks where schedule_id = ${scheduleId}`;
    // The first occurrence: the next minute boundary, seen by a cron pass (every 30 s) soon after.
    await waitFor(async () => (await scheduled()).length >= 1, 'an occurrence of the schedule', {
      timeoutMs: 120_000,
      intervalMs: 500,
    });
    const paused = await requestJson(`${apiB.url}/schedules/${scheduleId}/pause`, { method: 'POST' });
    expect(paused.status).toBe(200);
    const pausedAt = Date.now();
    // A firing already in flight when it was paused either lands now or is dropped; none comes later.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const tasks = await scheduled();
    // One task per occurrence while it was enabled, at most: five processes firing the same occurrence
    // would show up as several tasks per minute. pg-boss treats an occurrence as due for its whole minute,
    // so the occurrence at the start of the minute the schedule was created in counts too.
    const occurrences = Math.floor(pausedAt / 60_000) - Math.floor(scheduleCreatedAt / 60_000) + 1;
    expect(tasks.length).toBeGreaterThanOrEqual(1);
    expect(tasks.length).toBeLessThanOrEqual(occurrences);
    await waitFor(
      async () => (await scheduled()).every((task) => task.status === 'completed'),
      'the scheduled tasks to complete',
    );
  }, 200_000);
});
