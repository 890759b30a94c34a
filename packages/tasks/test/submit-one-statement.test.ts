import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db.ts';
import { alice, startTestSystem, type TestSystem } from './harness.ts';

// A limit well above the unlocked margin (64), so plain submits take the one-statement path until the
// owner nears the limit. No worker: tasks stay queued.
const LIMIT = 200;
let harness: TestSystem;

beforeAll(async () => {
  harness = await startTestSystem({ maxQueueSize: LIMIT });
});
afterAll(async () => {
  await harness?.[Symbol.asyncDispose]();
});

async function storedEvents(taskId: string) {
  return rowsOf<{ seq: number; type: string; payload: Record<string, unknown> }>(
    await harness.system.context.db.execute(
      sql`select seq, type, payload from task_events where task_id = ${taskId} order by seq`,
    ),
  );
}

async function unfinishedTasks(owner: string): Promise<number> {
  const [row] = rowsOf<{ n: number }>(
    await harness.system.context.db.execute(
      sql`select count(*)::int as n from tasks where owner = ${owner} and status = 'queued'`,
    ),
  );
  return row?.n ?? 0;
}

describe('a plain submit', () => {
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

    const task = await system.tasks.get(alice, submitted.task_id);
    expect(task).toMatchObject({
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
    const [job] = await system.context.boss.findJobs('wf.steps', { id: submitted.task_id });
    expect(job).toMatchObject({ id: submitted.task_id, retryLimit: 4, data: { task_id: submitted.task_id } });
  });

  it('with run_at in the future is scheduled, and its job starts then', async () => {
    const { system } = harness;
    const runAt = new Date(Date.now() + 3_600_000);
    const submitted = await system.tasks.submit(alice, {
      workflow: 'steps',
      params: {},
      priority: 'normal',
      run_at: runAt.toISOString(),
    });
    expect(submitted.status).toBe('scheduled');
    const [job] = await system.context.boss.findJobs('wf.steps', { id: submitted.task_id });
    expect(job?.startAfter.getTime()).toBe(runAt.getTime());
  });

  it('keeps max_queue_size exact: batches far from the limit and single submits near it', async () => {
    const { system } = harness;
    const dave = { owner: 'dave', admin: false };
    const plain = (n: number) =>
      Array.from({ length: n }, () => ({ workflow: 'steps', params: {}, priority: 'normal' as const }));
    expect((await system.tasks.submitMany(dave, plain(120))).tasks).toHaveLength(120);
    // 120 + 81 > 200: refused as a whole, nothing written.
    await expect(system.tasks.submitMany(dave, plain(81))).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    expect(await unfinishedTasks('dave')).toBe(120);
    const one = { workflow: 'steps', params: {}, priority: 'normal' as const };
    for (let i = 0; i < 80; i++) await system.tasks.submit(dave, one);
    expect(await unfinishedTasks('dave')).toBe(LIMIT);
    await expect(system.tasks.submit(dave, one)).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    expect(await unfinishedTasks('dave')).toBe(LIMIT);
    // Every task has its job, and no job was left behind by a refused submit.
    const [jobs] = rowsOf<{ n: number }>(
      await system.context.db.execute(sql`select count(*)::int as n from pgboss.job where name = 'wf.steps'`),
    );
    const [others] = rowsOf<{ n: number }>(
      await system.context.db.execute(sql`select count(*)::int as n from tasks where owner <> 'dave'`),
    );
    expect(jobs?.n).toBe(LIMIT + (others?.n ?? 0));
  });
});

describe('the room check of plain submits', () => {
  it('keeps max_queue_size exact when the backlog was counted before the last submits', async () => {
    const { system } = harness;
    const erin = { owner: 'erin', admin: false };
    const one = { workflow: 'steps', params: {}, priority: 'normal' as const };
    const plain = (n: number) => Array.from({ length: n }, () => one);
    expect((await system.tasks.submitMany(erin, plain(100))).tasks).toHaveLength(100);
    // Past the baseline's lifetime (200 ms): the next submit counts the 100 again, the ones after it count
    // only what was created since, and both paths together stop at the limit.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (let i = 0; i < 100; i++) await system.tasks.submit(erin, one);
    expect(await unfinishedTasks('erin')).toBe(LIMIT);
    await expect(system.tasks.submit(erin, one)).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    await expect(system.tasks.submit(erin, one)).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    expect(await unfinishedTasks('erin')).toBe(LIMIT);
  });

  it('counts the tasks of a transaction that was open while the backlog was counted', async () => {
    const { system, database } = harness;
    const hank = { owner: 'hank', admin: false };
    const one = { workflow: 'steps', params: {}, priority: 'normal' as const };
    const other = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      // A large insert of the owner's, still uncommitted when the next submit counts the backlog (its rows
      // are stamped with its start, well before that count).
      const inserting = other.begin(async (tx) => {
        await tx`
          insert into tasks (owner, workflow, status, max_retries, timeout_seconds)
          select 'hank', 'steps', 'queued', 0, 60 from generate_series(1, 150)`;
        await new Promise((resolve) => setTimeout(resolve, 150));
        await system.tasks.submit(hank, one);
      });
      await inserting;
      // Counted from that baseline: the 150 are created before the count ran, and still counted.
      for (let i = 0; i < 60; i++) await system.tasks.submit(hank, one).catch(() => undefined);
      expect(await unfinishedTasks('hank')).toBe(LIMIT);
    } finally {
      await other.end();
    }
  });
});

describe('a max_queue_size beyond 32-bit integers ("unlimited")', () => {
  it('still takes plain submits', async () => {
    await using unlimited = await startTestSystem({ maxQueueSize: 2 ** 40 });
    const submitted = await unlimited.system.tasks.submit(alice, {
      workflow: 'steps',
      params: {},
      priority: 'normal',
    });
    expect(submitted.status).toBe('queued');
  });
});
