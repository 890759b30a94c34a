import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobQueue } from '../src/store/boss.ts';
import type { TaskJob } from '../src/store/jobs.ts';
import { queueOf, startTestSystem, type TestSystem, waitFor } from './harness.ts';

/**
 * What the task core relies on pg-boss for, through the calls store/boss.ts makes (its public API, with
 * our drizzle transaction as its `db`). A pg-boss upgrade that changes any of it fails here.
 */

let harness: TestSystem;
let queue: JobQueue;

beforeAll(async () => {
  harness = await startTestSystem();
  queue = harness.system.context.queue;
});
afterAll(async () => {
  await harness?.[Symbol.asyncDispose]();
});

/** A job of the `noop` workflow (no task row needed: pg-boss only carries the task id). */
function job(overrides: Partial<TaskJob> = {}): TaskJob {
  const id = randomUUID();
  return {
    jobId: id,
    taskId: id,
    ...queueOf('noop'),
    priority: 'normal',
    retryLimit: 0,
    retryDelaySeconds: 1,
    retryBackoff: false,
    timeoutSeconds: 60,
    startAfter: null,
    concurrencyGroup: null,
    ...overrides,
  };
}

const inTx = <T>(work: Parameters<TestSystem['system']['context']['db']['transaction']>[0]) =>
  harness.system.context.db.transaction(work) as Promise<T>;

async function rolledBack(work: Parameters<TestSystem['system']['context']['db']['transaction']>[0]) {
  await expect(
    harness.system.context.db.transaction(async (tx) => {
      await work(tx);
      throw new Error('roll back');
    }),
  ).rejects.toThrow('roll back');
}

async function fetchAll(want = 100) {
  return inTx<Awaited<ReturnType<JobQueue['fetch']>>>((tx) => queue.fetch(tx, queueOf('noop'), want));
}

describe('pg-boss as the task core uses it', () => {
  it('insert joins our transaction: rolled back, no job; committed, a job with our options', async () => {
    const lost = job();
    await rolledBack((tx) => queue.insert(tx, [lost]));
    expect(await queue.findJob(queueOf('noop'), lost.jobId)).toBeNull();

    const kept = job({ retryLimit: 3, priority: 'high' });
    await inTx((tx) => queue.insert(tx, [kept]));
    expect(await queue.findJob(queueOf('noop'), kept.jobId)).toMatchObject({
      taskId: kept.taskId,
      state: 'created',
      retryLimit: 3,
      priority: 10,
    });
    expect((await fetchAll()).map((fetched) => fetched.jobId)).toEqual([kept.jobId]);
    await inTx((tx) => queue.complete(tx, [{ ...queueOf('noop'), jobId: kept.jobId, retryCount: 0 }]));
  });

  it('fetch in our transaction returns id, data and attempt, highest priority first, and rolls back', async () => {
    const low = job({ priority: 'low' });
    const high = job({ priority: 'high' });
    const normal = job();
    await inTx((tx) => queue.insert(tx, [low, normal, high]));

    await rolledBack((tx) => queue.fetch(tx, queueOf('noop'), 3));
    expect((await queue.findJob(queueOf('noop'), high.jobId))?.state).toBe('created');

    const [first] = await fetchAll(1);
    expect(first).toEqual({
      workflow: 'noop',
      version: queueOf('noop').version,
      jobId: high.jobId,
      taskId: high.taskId,
      retryCount: 0,
      retryLimit: 0,
      concurrencyGroup: null,
    });
    expect((await fetchAll(1)).map((fetched) => fetched.jobId)).toEqual([normal.jobId]);
    expect((await fetchAll(1)).map((fetched) => fetched.jobId)).toEqual([low.jobId]);
    expect(await fetchAll()).toEqual([]);
    await inTx((tx) =>
      queue.complete(
        tx,
        [high, normal, low].map((j) => ({ ...queueOf('noop'), jobId: j.jobId, retryCount: 0 })),
      ),
    );
  });

  it('complete, fail and cancel in a rolled-back transaction change nothing; committed, they settle', async () => {
    const jobs = [job(), job(), job()];
    await inTx((tx) => queue.insert(tx, jobs));
    const fetched = await fetchAll();
    expect(fetched).toHaveLength(3);
    const [a, b, c] = fetched;
    if (!a || !b || !c) throw new Error('three jobs expected');
    await rolledBack(async (tx) => {
      await queue.complete(tx, [a]);
      await queue.fail(tx, [b]);
      await queue.cancelAttempts(tx, [c]);
    });
    for (const j of fetched) expect((await queue.findJob(queueOf('noop'), j.jobId))?.state).toBe('active');

    await inTx(async (tx) => {
      await queue.complete(tx, [a]);
      await queue.cancelAttempts(tx, [c]);
    });
    expect((await queue.findJob(queueOf('noop'), a.jobId))?.state).toBe('completed');
    expect((await queue.findJob(queueOf('noop'), c.jobId))?.state).toBe('cancelled');
    // A settle of an attempt that is no longer active leaves the job alone.
    await inTx((tx) => queue.fail(tx, [a]));
    expect((await queue.findJob(queueOf('noop'), a.jobId))?.state).toBe('completed');
    await inTx((tx) => queue.fail(tx, [b]));
  });

  it('settles a batch wider than a prepared statement takes, fenced per attempt', async () => {
    // Ids and attempts are bound as two array parameters, whatever the batch size.
    const jobs = Array.from({ length: 150 }, () => job());
    await inTx((tx) => queue.insert(tx, jobs));
    const fetched = await fetchAll(150);
    expect(fetched).toHaveLength(150);
    const [stale, ...current] = fetched;
    if (!stale) throw new Error('jobs expected');
    await inTx((tx) => queue.complete(tx, [{ ...stale, retryCount: 1 }, ...current]));
    expect((await queue.findJob(queueOf('noop'), stale.jobId))?.state).toBe('active');
    for (const j of current) expect((await queue.findJob(queueOf('noop'), j.jobId))?.state).toBe('completed');
    await inTx((tx) => queue.complete(tx, [stale]));
  });

  it('a job inserted with startAfter (the timer of a wait) is not fetched before then; cancel stops it', async () => {
    const timer = job({ startAfter: new Date(Date.now() + 1000) });
    const stale = job({ startAfter: new Date(Date.now() + 1000) });
    await inTx((tx) => queue.insert(tx, [timer, stale]));
    expect(await fetchAll()).toEqual([]);
    await queue.cancelWaiting([{ ...queueOf('noop'), jobId: stale.jobId }]);
    expect((await queue.findJob(queueOf('noop'), stale.jobId))?.state).toBe('cancelled');
    const due = await waitFor(async () => (await fetchAll())[0], 'the timer to come due');
    expect(due.jobId).toBe(timer.jobId);
    expect(await fetchAll()).toEqual([]);
    await inTx((tx) => queue.complete(tx, [due]));
  });

  it('a failed job with retries left is retried after its delay, as the next attempt', async () => {
    const retried = job({ retryLimit: 1, retryDelaySeconds: 1 });
    await inTx((tx) => queue.insert(tx, [retried]));
    const [first] = await fetchAll();
    expect(first?.retryCount).toBe(0);
    await inTx((tx) => queue.fail(tx, [{ ...queueOf('noop'), jobId: retried.jobId, retryCount: 0 }]));
    const waiting = await queue.findJob(queueOf('noop'), retried.jobId);
    expect(waiting?.state).toBe('retry');
    expect(waiting?.startAfter.getTime()).toBeGreaterThan(Date.now());
    expect(await fetchAll()).toEqual([]);
    const second = await waitFor(async () => (await fetchAll())[0], 'the retry to become runnable');
    expect(second).toMatchObject({ jobId: retried.jobId, retryCount: 1, retryLimit: 1 });
    await inTx((tx) => queue.complete(tx, [second]));
  });

  it('a job whose last retry failed lands in the dead-letter queue; a cancelled one does not', async () => {
    const dead = job();
    const cancelled = job();
    await inTx((tx) => queue.insert(tx, [dead, cancelled]));
    const fetched = await fetchAll();
    await inTx(async (tx) => {
      await queue.fail(
        tx,
        fetched.filter((j) => j.jobId === dead.jobId),
      );
      await queue.cancelAttempts(
        tx,
        fetched.filter((j) => j.jobId === cancelled.jobId),
      );
    });
    expect((await queue.findJob(queueOf('noop'), dead.jobId))?.state).toBe('failed');
    const letters = await queue.deadLetterTaskIds();
    expect(letters).toContain(dead.taskId);
    expect(letters).not.toContain(cancelled.taskId);
    await inTx((tx) => queue.deleteDeadLetters(tx, [dead.taskId]));
    expect(await queue.deadLetterTaskIds()).not.toContain(dead.taskId);
  });

  it('a job with startAfter is not fetched before then', async () => {
    const later = job({ startAfter: new Date(Date.now() + 3_600_000) });
    await inTx((tx) => queue.insert(tx, [later]));
    expect(await fetchAll()).toEqual([]);
    expect((await queue.findJob(queueOf('noop'), later.jobId))?.state).toBe('created');
    await queue.cancelWaiting([{ ...queueOf('noop'), jobId: later.jobId }]);
    expect((await queue.findJob(queueOf('noop'), later.jobId))?.state).toBe('cancelled');
  });
});

describe('pg-boss expiry, the backstop for a hung worker', () => {
  let quick: TestSystem;
  beforeAll(async () => {
    // Expiry is checked in pg-boss' monitor pass, every superviseIntervalSeconds.
    quick = await startTestSystem({ superviseIntervalSeconds: 1, tuning: { abortGraceSeconds: 0 } });
  });
  afterAll(async () => {
    await quick?.[Symbol.asyncDispose]();
  });

  it('an attempt nobody settles is retried once its expiry passes (timeout + grace + 5 s)', async () => {
    const jobs = quick.system.context.queue;
    const fetch = () => quick.system.context.db.transaction((tx) => jobs.fetch(tx, queueOf('noop'), 10));
    const hung = job({ retryLimit: 1, retryDelaySeconds: 0, timeoutSeconds: 1 });
    expect(jobs.expirySeconds(hung.timeoutSeconds)).toBe(6);
    await quick.system.context.db.transaction((tx) => jobs.insert(tx, [hung]));
    const [first] = await fetch();
    const fetchedAt = Date.now();
    expect(first).toMatchObject({ jobId: hung.jobId, retryCount: 0 });
    const again = await waitFor(async () => (await fetch())[0], 'the expired attempt to be retried');
    expect(again).toMatchObject({ jobId: hung.jobId, retryCount: 1 });
    // Not before the expiry (6 s after the fetch; a second of slack for the clocks): a live attempt keeps it.
    expect(Date.now() - fetchedAt).toBeGreaterThanOrEqual(5_000);
    await quick.system.context.db.transaction((tx) => jobs.complete(tx, [again]));
    expect((await jobs.findJob(queueOf('noop'), hung.jobId))?.state).toBe('completed');
  });
});
