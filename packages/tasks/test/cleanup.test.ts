import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { rowsOf } from '../src/db.ts';
import { storedEvents as readEvents } from './fixtures/stored-events.ts';
import { alice, startTestSystem, WORKFLOWS_MODULE, waitFor, waitForTerminal } from './harness.ts';

it('removes results, events and artifacts of finished tasks once their TTL passes', async () => {
  await using harness = await startTestSystem({ resultTtlSeconds: 1, cleanupIntervalSeconds: 3600 });
  const { system } = harness;
  await system.startWorker({ concurrency: 1, workflowsModule: WORKFLOWS_MODULE });
  const done = await system.tasks.submit(alice, {
    workflow: 'steps',
    params: { steps: 1, step_ms: 0, artifact: 'csv', result: 'kept for a second' },
    priority: 'normal',
  });
  expect(await waitForTerminal(system, alice, done.task_id)).toBe('completed');
  // Not finished: never cleaned.
  const waiting = await system.tasks.submit(alice, {
    workflow: 'steps',
    params: {},
    priority: 'normal',
    run_at: new Date(Date.now() + 3_600_000).toISOString(),
  });
  expect((await system.tasks.result(alice, done.task_id)).artifacts).toHaveLength(1);

  await waitFor(async () => {
    const task = await system.tasks.get(alice, done.task_id);
    return task.completed_at !== null && Date.now() - Date.parse(task.completed_at) > 1100;
  }, 'the TTL to pass');
  const report = await system.cleanExpired();
  expect(report).toMatchObject({ ran: true, tasksCleaned: 1, artifactsDeleted: 1 });
  expect(report.eventsDeleted).toBeGreaterThanOrEqual(3);

  await expect(system.tasks.result(alice, done.task_id)).rejects.toMatchObject({
    code: 'NOT_FOUND',
    message: expect.stringContaining('expired'),
  });
  const task = await system.tasks.get(alice, done.task_id);
  expect(task.status).toBe('completed');
  expect(task.result).toBeUndefined();
  expect(task.artifacts).toEqual([]);
  expect(await readEvents(system.context.db, done.task_id, 0)).toEqual([]);
  expect(await readEvents(system.context.db, waiting.task_id, 0)).toHaveLength(1);
  // A second pass finds nothing left to do.
  expect(await system.cleanExpired()).toMatchObject({ ran: true, tasksCleaned: 0 });
});

it("keeps a finished child's result until its parent finished", async () => {
  await using harness = await startTestSystem({ resultTtlSeconds: 1, cleanupIntervalSeconds: 3600 });
  const { system } = harness;
  await system.startWorker({ concurrency: 2, workflowsModule: WORKFLOWS_MODULE });
  const { task_id: parentId } = await system.tasks.submit(alice, {
    workflow: 'wait_children',
    params: {
      children: [
        { workflow: 'steps', params: { steps: 1, step_ms: 0, result: 'early' } },
        { workflow: 'wait_signal', params: {} },
      ],
    },
  });
  const [early, late] = await waitFor(async () => {
    const wait = (await system.tasks.get(alice, parentId)).wait;
    return wait?.kind === 'children' ? wait.child_task_ids : undefined;
  }, 'the children');
  if (!early || !late) throw new Error('two children expected');
  expect(await waitForTerminal(system, alice, early)).toBe('completed');
  await waitFor(async () => {
    const task = await system.tasks.get(alice, early);
    return task.completed_at !== null && Date.now() - Date.parse(task.completed_at) > 1100;
  }, "the early child's TTL to pass");
  // The cleaner passes while the parent still waits for its other child.
  expect(await system.cleanExpired()).toMatchObject({ ran: true });

  await waitFor(
    async () => (await system.tasks.get(alice, late)).status === 'waiting',
    'the late child to wait',
  );
  await system.tasks.signal(alice, { task_id: late, name: 'approval', payload: { approved: true } });
  expect(await waitForTerminal(system, alice, parentId)).toBe('completed');
  const { result } = await system.tasks.result(alice, parentId);
  expect((result as { results: unknown[] }).results[0]).toMatchObject({ value: 'early' });
});

it("removes a task's signal idempotency keys with its result", async () => {
  await using harness = await startTestSystem({ resultTtlSeconds: 1, cleanupIntervalSeconds: 3600 });
  const { system } = harness;
  await system.startWorker({ concurrency: 1, workflowsModule: WORKFLOWS_MODULE });
  const { task_id } = await system.tasks.submit(alice, { workflow: 'wait_signal', params: {} });
  await waitFor(async () => (await system.tasks.get(alice, task_id)).status === 'waiting', 'the wait');
  const approve = { task_id, name: 'approval', payload: { approved: true }, idempotency_key: 'hook-1' };
  await system.tasks.signal(alice, approve);
  expect(await waitForTerminal(system, alice, task_id)).toBe('completed');
  expect(await system.tasks.signal(alice, approve)).toMatchObject({ deduplicated: true });
  const keys = async () =>
    rowsOf<{ n: number }>(
      await system.context.db.execute(
        sql`select count(*)::int as n from task_signal_keys where task_id = ${task_id}`,
      ),
    )[0]?.n;
  expect(await keys()).toBe(1);

  await waitFor(async () => {
    const task = await system.tasks.get(alice, task_id);
    return task.completed_at !== null && Date.now() - Date.parse(task.completed_at) > 1100;
  }, 'the TTL to pass');
  expect(await system.cleanExpired()).toMatchObject({ tasksCleaned: 1 });
  expect(await keys()).toBe(0);
  // Its answer is gone with it: the repeat now meets a finished task.
  await expect(system.tasks.signal(alice, approve)).rejects.toMatchObject({ code: 'CONFLICT' });
});

it('a task run again after its results were removed has its new results removed when they expire', async () => {
  await using harness = await startTestSystem({ resultTtlSeconds: 1, cleanupIntervalSeconds: 3600 });
  const { system } = harness;
  await system.startWorker({ concurrency: 1, workflowsModule: WORKFLOWS_MODULE });
  const { task_id } = await system.tasks.submit(alice, {
    workflow: 'steps',
    params: { steps: 1, step_ms: 0, fail_attempts: 1 },
    max_retries: 0,
  });
  const expiredOnce = async () => {
    await waitFor(async () => {
      const task = await system.tasks.get(alice, task_id);
      return task.completed_at !== null && Date.now() - Date.parse(task.completed_at) > 1100;
    }, 'the TTL to pass');
    return system.cleanExpired();
  };
  expect(await waitForTerminal(system, alice, task_id)).toBe('failed');
  expect(await expiredOnce()).toMatchObject({ tasksCleaned: 1 });
  expect(await readEvents(system.context.db, task_id, 0)).toEqual([]);

  await system.tasks.retry(alice, task_id);
  expect(await waitForTerminal(system, alice, task_id)).toBe('completed');
  expect((await system.tasks.result(alice, task_id)).result).toMatchObject({ ran: ['step_1'] });
  const second = await expiredOnce();
  expect(second).toMatchObject({ tasksCleaned: 1 });
  expect(second.eventsDeleted).toBeGreaterThanOrEqual(3);
  await expect(system.tasks.result(alice, task_id)).rejects.toMatchObject({
    code: 'NOT_FOUND',
    message: expect.stringContaining('expired'),
  });
  expect(await system.cleanExpired()).toMatchObject({ tasksCleaned: 0 });
});

it('a pass clears every expired task, however many finished since the last one', async () => {
  await using harness = await startTestSystem({
    resultTtlSeconds: 1,
    cleanupIntervalSeconds: 3600,
    maxQueueSize: 2000,
    maxBatchSize: 1100,
  });
  const { system } = harness;
  await system.startWorker({ concurrency: 64, workflowsModule: WORKFLOWS_MODULE });
  // More than one batch of the cleaner's (1,000 a transaction).
  await system.tasks.submitMany(
    alice,
    Array.from({ length: 1100 }, () => ({ workflow: 'noop', params: {} })),
  );
  const unfinished = async () => {
    const [row] = rowsOf<{ n: number }>(
      await system.context.db.execute(
        sql`select count(*)::int as n from tasks
          where completed_at is null or completed_at > now() - interval '1.1 s'`,
      ),
    );
    return row?.n;
  };
  await waitFor(async () => (await unfinished()) === 0, 'every task to finish and its TTL to pass');
  expect(await system.cleanExpired()).toMatchObject({ ran: true, tasksCleaned: 1100 });
  expect(await system.cleanExpired()).toMatchObject({ tasksCleaned: 0 });
});
