import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { expect, it } from 'vitest';
import { TASK_QUEUED_CHANNEL } from '../src/store/events.ts';
import {
  alice,
  anotherSystem,
  mostAtOnce,
  readRecords,
  startTestSystem,
  WORKFLOWS_MODULE,
  waitForStatus,
  waitForTerminal,
} from './harness.ts';

it('a backlog of a limited workflow moves on as each task ends, not on the next poll', async () => {
  await using harness = await startTestSystem();
  const { system } = harness;
  // No poll within the test: only the end of a task can start the next one.
  await system.startWorker({ concurrency: 3, workflowsModule: WORKFLOWS_MODULE, pollIntervalMs: 3_600_000 });
  const { tasks } = await system.tasks.submitMany(
    alice,
    Array.from({ length: 3 }, () => ({ workflow: 'limited', params: { steps: 1, step_ms: 10 } })),
  );
  for (const task of tasks) expect(await waitForTerminal(system, alice, task.task_id)).toBe('completed');
});

it('a workflow with concurrency 1 runs one task at a time across two workers, others run beside it', async () => {
  await using harness = await startTestSystem();
  const { system, database } = harness;
  // A second task system on the same database: another worker of the cluster.
  await using other = await anotherSystem(database.url);
  await system.startWorker({ concurrency: 3, workflowsModule: WORKFLOWS_MODULE, pollIntervalMs: 200 });
  await other.startWorker({ concurrency: 3, workflowsModule: WORKFLOWS_MODULE, pollIntervalMs: 200 });

  const record = join(mkdtempSync(join(tmpdir(), 'kg-limit-')), 'limit.jsonl');
  const limited = await system.tasks.submitMany(
    alice,
    Array.from({ length: 4 }, () => ({
      workflow: 'limited',
      params: { steps: 1, step_ms: 250, record_file: record },
      priority: 'normal' as const,
    })),
  );
  const free = await system.tasks.submitMany(
    alice,
    Array.from({ length: 4 }, () => ({
      workflow: 'steps',
      params: { steps: 1, step_ms: 250, record_file: record },
      priority: 'normal' as const,
    })),
  );
  for (const task of [...limited.tasks, ...free.tasks]) {
    expect(await waitForTerminal(system, alice, task.task_id)).toBe('completed');
  }
  const limitedIds = new Set(limited.tasks.map((t) => t.task_id));
  const records = readRecords(record);
  // Among the limited workflow's records, every start is followed by its own end before the next start.
  expect(mostAtOnce(records.filter((r) => limitedIds.has(r.task_id)))).toBe(1);
  // The unlimited workflow overlapped: more than one of its tasks ran at once.
  expect(mostAtOnce(records.filter((r) => !limitedIds.has(r.task_id)))).toBeGreaterThan(1);
});

it('a slot freed by a worker that stops starts the next task on an idle worker, not on its poll', async () => {
  await using harness = await startTestSystem();
  const { system, database } = harness;
  await using other = await anotherSystem(database.url);
  // No poll within the test on either worker: only a wake-up can start the second task.
  const stopping = await system.startWorker({
    concurrency: 1,
    workflowsModule: WORKFLOWS_MODULE,
    pollIntervalMs: 3_600_000,
  });
  const first = await system.tasks.submit(alice, {
    workflow: 'limited',
    params: { steps: 1, step_ms: 2_000 },
  });
  await waitForStatus(system, alice, first.task_id, ['running']);
  await other.startWorker({ concurrency: 1, workflowsModule: WORKFLOWS_MODULE, pollIntervalMs: 3_600_000 });
  // Queued while the first holds the workflow's only slot: the idle worker finds it taken.
  const second = await system.tasks.submit(alice, { workflow: 'limited', params: { steps: 1, step_ms: 0 } });
  // The first worker stops taking work and lets its task finish, which frees the slot.
  await stopping.stop();
  expect((await system.tasks.get(alice, first.task_id)).status).toBe('completed');
  expect(await waitForTerminal(system, alice, second.task_id)).toBe('completed');
});

it('an idle worker of a limited workflow with nothing queued sends no wake-ups to itself or others', async () => {
  await using harness = await startTestSystem();
  const { system, database } = harness;
  const listener = postgres(database.url, { max: 1, onnotice: () => {} });
  try {
    let wakeUps = 0;
    await listener.listen(TASK_QUEUED_CHANNEL, (workflow) => {
      if (workflow === 'limited') wakeUps++;
    });
    // No poll within the test: only wake-ups make the worker fetch.
    await system.startWorker({
      concurrency: 2,
      workflowsModule: WORKFLOWS_MODULE,
      pollIntervalMs: 3_600_000,
    });
    // A worker that woke itself with every slot it took and gave back unused sent hundreds by now.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(wakeUps).toBeLessThanOrEqual(2);
  } finally {
    await listener.end();
  }
});
