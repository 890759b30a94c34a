import type { SubmitTaskRequest } from '@kaygraph/contracts';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db.ts';
import { lockOwnerQueue } from '../src/store/owner-queue.ts';
import { submitTasks } from '../src/submit/submit.ts';
import { alice, queueOf, startTestSystem, type TestSystem } from './harness.ts';

// No worker: tasks stay queued or scheduled.
const LIMIT = 200;
let harness: TestSystem;

beforeAll(async () => {
  // Batches up to the queue size in one call (MAX_BATCH_SIZE is 50 unless set).
  harness = await startTestSystem({ maxQueueSize: LIMIT, maxBatchSize: LIMIT });
});
afterAll(async () => {
  await harness?.[Symbol.asyncDispose]();
});

const one = { workflow: 'steps', params: {}, priority: 'normal' as const };
const plain = (n: number) => Array.from({ length: n }, () => one);

async function storedEvents(taskId: string) {
  return rowsOf<{ seq: number; type: string; payload: Record<string, unknown> }>(
    await harness.system.context.db.execute(
      sql`select seq, type, payload from task_events where task_id = ${taskId} order by seq`,
    ),
  );
}

async function unfinishedIds(owner: string): Promise<string[]> {
  const rows = rowsOf<{ id: string }>(
    await harness.system.context.db.execute(
      sql`select id from tasks where owner = ${owner} and completed_at is null`,
    ),
  );
  return rows.map((row) => row.id);
}

/** Every unfinished task of the owner has a waiting job, and no job waits without its task. */
async function expectJobsMatchTasks(owner: string): Promise<void> {
  const queued = new Set(await harness.system.context.queue.queuedTaskIds(queueOf('steps')));
  const ids = await unfinishedIds(owner);
  for (const id of ids) expect(queued.has(id)).toBe(true);
  const [all] = rowsOf<{ n: number }>(
    await harness.system.context.db.execute(
      sql`select count(*)::int as n from tasks where workflow = 'steps' and completed_at is null`,
    ),
  );
  expect(queued.size).toBe(all?.n);
}

describe('a submit', () => {
  it('stores the task, its first event and its pg-boss job with the task options', async () => {
    const { system } = harness;
    const submitted = await system.tasks.submit(alice, {
      workflow: 'steps',
      params: { steps: 2 },
      priority: 'high',
      max_retries: 4,
    });
    expect(submitted).toMatchObject({ status: 'queued', deduplicated: false });
    expect(new Date(submitted.created_at).toISOString()).toBe(submitted.created_at);
    expect(await system.tasks.get(alice, submitted.task_id)).toMatchObject({
      task_id: submitted.task_id,
      workflow: 'steps',
      params: { steps: 2 },
      status: 'queued',
      priority: 'high',
      created_at: submitted.created_at,
    });
    expect(await storedEvents(submitted.task_id)).toEqual([
      { seq: 1, type: 'status', payload: { status: 'queued', attempt: 0, error: null } },
    ]);
    const job = await system.context.queue.findJob(queueOf('steps'), submitted.task_id);
    expect(job).toMatchObject({ taskId: submitted.task_id, retryLimit: 4, state: 'created' });
  });

  it('with run_at in the future is scheduled, and its job starts then', async () => {
    const { system } = harness;
    const runAt = new Date(Date.now() + 3_600_000);
    const submitted = await system.tasks.submit(alice, { ...one, run_at: runAt.toISOString() });
    expect(submitted.status).toBe('scheduled');
    const job = await system.context.queue.findJob(queueOf('steps'), submitted.task_id);
    expect(job?.startAfter.getTime()).toBe(runAt.getTime());
  });
});

/** How many racing submits went through, and how many were refused with QUEUE_FULL. */
function acceptedAndRefused(outcomes: readonly PromiseSettledResult<unknown>[]) {
  return {
    accepted: outcomes.filter((outcome) => outcome.status === 'fulfilled').length,
    refused: outcomes.filter(
      (outcome) =>
        outcome.status === 'rejected' && (outcome.reason as { code?: string }).code === 'QUEUE_FULL',
    ).length,
  };
}

describe('max_queue_size', () => {
  it('is exact for batches and single submits, and a refused submit writes nothing', async () => {
    const { system } = harness;
    const dave = { owner: 'dave', admin: false };
    expect((await system.tasks.submitMany(dave, plain(120))).tasks).toHaveLength(120);
    // 120 + 81 > 200: refused as a whole.
    await expect(system.tasks.submitMany(dave, plain(81))).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    expect(await unfinishedIds('dave')).toHaveLength(120);
    for (let i = 0; i < 80; i++) await system.tasks.submit(dave, one);
    expect(await unfinishedIds('dave')).toHaveLength(LIMIT);
    await expect(system.tasks.submit(dave, one)).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    expect(await unfinishedIds('dave')).toHaveLength(LIMIT);
    await expectJobsMatchTasks('dave');
  });

  it('holds under concurrent submits of one owner', async () => {
    const { system } = harness;
    const gina = { owner: 'gina', admin: false };
    await system.tasks.submitMany(gina, plain(150));
    const outcomes = await Promise.allSettled(
      Array.from({ length: 80 }, () => system.tasks.submit(gina, one)),
    );
    expect(acceptedAndRefused(outcomes)).toEqual({ accepted: 50, refused: 30 });
    expect(await unfinishedIds('gina')).toHaveLength(LIMIT);
  });

  it('gives the last room to one of 25 submits released at once (with and without keys, and batches)', async () => {
    const { system, database } = harness;
    const iris = { owner: 'iris', admin: false };
    await system.tasks.submitMany(iris, plain(LIMIT - 1));
    // The racers queue up behind a transaction holding iris' queue lock, then all go at once.
    const observer = postgres(database.url, { max: 1 });
    let release = () => {};
    let holding = () => {};
    const held = new Promise<void>((resolve) => {
      holding = resolve;
    });
    const holder = system.context.db.transaction(async (tx) => {
      await lockOwnerQueue(tx, 'iris');
      holding();
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    await held;
    // The submit path itself: the service would merge one owner's concurrent submits into one transaction.
    const submit = (inputs: SubmitTaskRequest[]) => submitTasks(system.context, iris, inputs);
    const racing = Promise.allSettled([
      ...Array.from({ length: 10 }, () => submit([one])),
      ...Array.from({ length: 10 }, (_, i) => submit([{ ...one, idempotency_key: `last-room-${i}` }])),
      ...Array.from({ length: 5 }, () => submit(plain(2))),
    ]);
    // Every other connection of the pool (10) waits for the lock (at most 10 s, for a smaller pool).
    const deadline = Date.now() + 10_000;
    for (let waiting = 0; waiting < 9 && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      const [row] = await observer<{ n: number }[]>`
        select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted`;
      waiting = row?.n ?? 0;
    }
    release();
    await holder;
    const outcomes = await racing;
    await observer.end();
    expect(acceptedAndRefused(outcomes)).toEqual({ accepted: 1, refused: 24 });
    expect(await unfinishedIds('iris')).toHaveLength(LIMIT);
    await expectJobsMatchTasks('iris');
  });

  it('also limits retries: a full owner cannot reopen a task, and gets room back when one finishes', async () => {
    const { system } = harness;
    const hank = { owner: 'hank', admin: false };
    const first = await system.tasks.submit(hank, one);
    await system.tasks.cancel(hank, first.task_id);
    await system.tasks.submitMany(hank, plain(LIMIT));
    await expect(system.tasks.retry(hank, first.task_id)).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    expect((await system.tasks.get(hank, first.task_id)).status).toBe('cancelled');
    const [other] = await unfinishedIds('hank');
    await system.tasks.cancel(hank, other ?? '');
    expect(await system.tasks.retry(hank, first.task_id)).toEqual({
      task_id: first.task_id,
      status: 'queued',
    });
    expect(await unfinishedIds('hank')).toHaveLength(LIMIT);
  });
});

describe('concurrent submits of one owner', () => {
  it('each get their own tasks back, stored with their jobs, scheduled and queued ones alike', async () => {
    const { system } = harness;
    const frank = { owner: 'frank', admin: false };
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const submitted = await Promise.all(
      Array.from({ length: 40 }, (_, n) =>
        n % 4 === 3
          ? system.tasks
              .submitMany(frank, [
                { workflow: 'steps', params: { steps: n + 1 }, priority: 'normal' },
                { workflow: 'steps', params: { steps: n + 51 }, priority: 'normal', run_at: later },
              ])
              .then((many) => many.tasks)
          : system.tasks
              .submit(frank, {
                workflow: 'steps',
                params: { steps: n + 1 },
                priority: 'normal',
                ...(n % 2 === 1 ? { run_at: later } : {}),
              })
              .then((single) => [single]),
      ),
    );
    const ids = submitted.flat().map((task) => task.task_id);
    expect(new Set(ids).size).toBe(50);
    for (const [n, tasks] of submitted.entries()) {
      for (const [k, task] of tasks.entries()) {
        const view = await system.tasks.get(frank, task.task_id);
        const steps = k === 0 ? n + 1 : n + 51;
        const scheduled = (n % 4 === 3 && k === 1) || (n % 4 !== 3 && n % 2 === 1);
        expect(view).toMatchObject({ params: { steps }, status: task.status });
        expect(task.status).toBe(scheduled ? 'scheduled' : 'queued');
      }
    }
    await expectJobsMatchTasks('frank');
  });
});
