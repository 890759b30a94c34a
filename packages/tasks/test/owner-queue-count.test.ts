import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db.ts';
import { lockOwnerQueue } from '../src/store/owner-queue.ts';
import { useSystemWithWorker, waitForTerminal } from './harness.ts';

// The queue limit reads owner_queue_counts (kept by triggers on tasks), not the tasks themselves.
const LIMIT = 12;
// The cleaner runs only when a test asks: its periodic pass would fold counts a test is looking at.
const harness = useSystemWithWorker(
  { concurrency: 4 },
  { maxQueueSize: LIMIT, maxBatchSize: LIMIT, cleanupIntervalSeconds: 3600 },
);

const QUICK = { steps: 1, step_ms: 0 };
const LATER = '2099-01-01T00:00:00Z';

/** The owner's count as the limit reads it, and its unfinished tasks counted. */
async function counts(owner: string): Promise<{ kept: number; counted: number }> {
  const [row] = rowsOf<{ kept: number; counted: number }>(
    await harness.system.context.db.execute(sql`
      select (select coalesce(sum(unfinished), 0)::int from owner_queue_counts where owner = ${owner}) as kept,
        (select count(*)::int from tasks where owner = ${owner} and completed_at is null) as counted`),
  );
  if (!row) throw new Error('no counts');
  return row;
}

async function partsOf(owner: string): Promise<number> {
  const [row] = rowsOf<{ n: number }>(
    await harness.system.context.db.execute(
      sql`select count(*)::int as n from owner_queue_counts where owner = ${owner}`,
    ),
  );
  return row?.n ?? 0;
}

/** 250 owners named `prefix`1..250 of 17 parts each (parts that sum to nothing: no task of theirs is unfinished). */
async function crowdOwners(prefix: string): Promise<void> {
  await harness.system.context.db.execute(sql`
    insert into owner_queue_counts (owner, unfinished)
    select ${prefix} || o, 0 from generate_series(1, 250) o, generate_series(1, 17)`);
}

async function expectExact(owner: string, unfinished: number): Promise<void> {
  expect(await counts(owner)).toEqual({ kept: unfinished, counted: unfinished });
}

describe('the owner queue count', () => {
  it('stays exact through submit, finish, failure, dependencies, cancel, retry, children and removal', async () => {
    const { system } = harness;
    const { tasks } = system;
    const erin = { owner: 'erin', admin: false };
    // Finished ones: completed, failed, and a dependent failed by its dependency.
    const done = await tasks.submit(erin, { workflow: 'steps', params: QUICK });
    const [failed] = (
      await tasks.submitMany(erin, [
        { workflow: 'steps', params: { ...QUICK, fail_attempts: 9 }, max_retries: 0 },
      ])
    ).tasks;
    if (!failed) throw new Error('no task');
    const dependent = await tasks.submit(erin, {
      workflow: 'steps',
      params: QUICK,
      depends_on: [failed.task_id],
    });
    expect(await waitForTerminal(system, erin, done.task_id)).toBe('completed');
    expect(await waitForTerminal(system, erin, dependent.task_id)).toBe('failed');
    await expectExact('erin', 0);

    // A parent and its children, all finished.
    const parent = await tasks.submit(erin, {
      workflow: 'wait_children',
      params: { children: [1, 2].map(() => ({ workflow: 'steps', params: QUICK })) },
    });
    expect(await waitForTerminal(system, erin, parent.task_id)).toBe('completed');
    await expectExact('erin', 0);

    // Unfinished ones: scheduled, and one of them cancelled.
    const waiting = await tasks.submitMany(
      erin,
      Array.from({ length: 5 }, () => ({ workflow: 'steps', params: QUICK, run_at: LATER })),
    );
    await expectExact('erin', 5);
    await tasks.cancel(erin, waiting.tasks[0]?.task_id ?? '');
    await expectExact('erin', 4);
    // Retrying a failed dependency blocks its failed dependent again, until both fail once more.
    await tasks.retry(erin, failed.task_id);
    expect(await waitForTerminal(system, erin, failed.task_id)).toBe('failed');
    expect(await waitForTerminal(system, erin, dependent.task_id)).toBe('failed');
    await expectExact('erin', 4);

    // Removal of finished tasks leaves the count; an unfinished one cannot be removed.
    expect(await tasks.remove(erin, done.task_id)).toMatchObject({ removed: 1 });
    await expectExact('erin', 4);

    // Many small writes, folded by the next read under the lock: still exact, and the limit holds there.
    for (let i = 0; i < 20; i++) {
      const quick = await tasks.submit(erin, { workflow: 'steps', params: QUICK });
      expect(await waitForTerminal(system, erin, quick.task_id)).toBe('completed');
    }
    await expectExact('erin', 4);
    const later = (n: number) =>
      Array.from({ length: n }, () => ({ workflow: 'steps', params: QUICK, run_at: LATER }));
    await expect(tasks.submitMany(erin, later(LIMIT - 3))).rejects.toMatchObject({
      code: 'QUEUE_FULL',
    });
    expect((await tasks.submitMany(erin, later(LIMIT - 4))).tasks).toHaveLength(LIMIT - 4);
    await expectExact('erin', LIMIT);
    await expect(tasks.submit(erin, { workflow: 'steps', params: QUICK })).rejects.toMatchObject({
      code: 'QUEUE_FULL',
    });
    expect(await partsOf('erin')).toBeLessThanOrEqual(20);
  });

  it('is folded by the cleaner when finishes spread it over many rows and no submit folds it', async () => {
    const { system } = harness;
    const gus = { owner: 'gus', admin: false };
    const quick = Array.from({ length: LIMIT }, () => ({ workflow: 'steps', params: QUICK }));
    // Two batches: the second one's read finds 13 parts, too few to fold.
    for (let round = 0; round < 2; round++) {
      const { tasks } = await system.tasks.submitMany(gus, quick);
      for (const task of tasks) expect(await waitForTerminal(system, gus, task.task_id)).toBe('completed');
    }
    await expectExact('gus', 0);
    expect(await partsOf('gus')).toBe(2 * (1 + LIMIT));
    await system.cleanExpired();
    expect(await partsOf('gus')).toBe(1);
    await expectExact('gus', 0);
  });

  it('is folded for many owners in one cleaner pass, a hundred owners a transaction', async () => {
    const { system } = harness;
    const { db } = system.context;
    await crowdOwners('crowd-');
    await system.cleanExpired();
    const [row] = rowsOf<{ owners: number; parts: number }>(
      await db.execute(sql`
        select count(distinct owner)::int as owners, count(*)::int as parts
        from owner_queue_counts where owner like 'crowd-%'`),
    );
    expect(row).toEqual({ owners: 250, parts: 250 });
  });

  it('folds the other owners in a cleaner pass while some owners are submitting', async () => {
    const { system } = harness;
    const { db } = system.context;
    await crowdOwners('busy-');
    // A fifth of the owners hold their queue lock (as a submit does) for the whole pass.
    const busy = Array.from({ length: 50 }, (_, i) => `busy-${i * 5 + 1}`);
    const held = Promise.withResolvers<void>();
    const released = Promise.withResolvers<void>();
    const holder = db.transaction(async (tx) => {
      for (const owner of busy) await lockOwnerQueue(tx, owner);
      held.resolve();
      await released.promise;
    });
    await held.promise;
    try {
      await system.cleanExpired();
    } finally {
      released.resolve();
      await holder;
    }
    const rows = rowsOf<{ owner: string; parts: number }>(
      await db.execute(sql`
        select owner, count(*)::int as parts from owner_queue_counts where owner like 'busy-%' group by owner`),
    );
    const crowded = rows.filter((row) => row.parts > 1).map((row) => row.owner);
    expect(rows).toHaveLength(250);
    expect(crowded.sort()).toEqual([...busy].sort());
  });

  it('holds the limit while submits race with finishes of the same owner', async () => {
    const { system } = harness;
    const { tasks } = system;
    const fay = { owner: 'fay', admin: false };
    const outcomes = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) =>
        tasks.submit(fay, { workflow: 'steps', params: QUICK, ...(i % 2 ? { run_at: LATER } : {}) }),
      ),
    );
    const accepted = outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
    const refused = outcomes.filter(
      (outcome) =>
        outcome.status === 'rejected' && (outcome.reason as { code?: string }).code === 'QUEUE_FULL',
    ).length;
    expect(accepted + refused).toBe(60);
    // Every quick task finishes; the scheduled ones stay, at most the limit of them.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const { kept, counted } = await counts('fay');
    expect(kept).toBe(counted);
    expect(counted).toBeLessThanOrEqual(LIMIT);
    const fill = Array.from({ length: LIMIT - counted }, () => ({
      workflow: 'steps',
      params: QUICK,
      run_at: LATER,
    }));
    if (fill.length > 0) await tasks.submitMany(fay, fill);
    await expectExact('fay', LIMIT);
    await expect(
      tasks.submit(fay, { workflow: 'steps', params: QUICK, run_at: LATER }),
    ).rejects.toMatchObject({
      code: 'QUEUE_FULL',
    });
  });

  it('folds under a submit while the table is published for logical replication', async () => {
    const { system } = harness;
    const { db } = system.context;
    const hal = { owner: 'hal', admin: false };
    const quick = Array.from({ length: LIMIT }, () => ({ workflow: 'steps', params: QUICK }));
    // A published table's deletes need a replica identity (its primary key).
    await db.execute(sql`create publication owner_counts_published for table owner_queue_counts`);
    try {
      for (let round = 0; round < 2; round++) {
        const { tasks } = await system.tasks.submitMany(hal, quick);
        for (const task of tasks) expect(await waitForTerminal(system, hal, task.task_id)).toBe('completed');
      }
      expect(await partsOf('hal')).toBe(2 * (1 + LIMIT));
      await system.tasks.submit(hal, { workflow: 'steps', params: QUICK, run_at: LATER });
      expect(await partsOf('hal')).toBe(2);
      await expectExact('hal', 1);
    } finally {
      await db.execute(sql`drop publication owner_counts_published`);
    }
  });

  it("refuses to change a task's owner", async () => {
    const { system } = harness;
    const { db } = system.context;
    const ivy = { owner: 'ivy', admin: false };
    const task = await system.tasks.submit(ivy, { workflow: 'steps', params: QUICK, run_at: LATER });
    await expect(
      db.execute(sql`update tasks set owner = 'jay' where id = ${task.task_id}`),
    ).rejects.toMatchObject({ cause: { code: '23514' } });
    await db.execute(sql`update tasks set owner = 'ivy' where id = ${task.task_id}`);
    await expectExact('ivy', 1);
    await expectExact('jay', 0);
  });

  it('is emptied with the tasks when they are truncated', async () => {
    const { system } = harness;
    const { db } = system.context;
    await system.tasks.submit(
      { owner: 'kim', admin: false },
      { workflow: 'steps', params: QUICK, run_at: LATER },
    );
    const rolledBack = new Error('rolled back');
    // In a transaction that rolls back: the other tests' tasks stay.
    await expect(
      db.transaction(async (tx) => {
        await tx.execute(sql`truncate tasks cascade`);
        const [row] = rowsOf<{ n: number }>(
          await tx.execute(sql`select count(*)::int as n from owner_queue_counts`),
        );
        expect(row?.n).toBe(0);
        throw rolledBack;
      }),
    ).rejects.toBe(rolledBack);
    await expectExact('kim', 1);
  });
});
