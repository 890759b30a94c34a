import type { Priority } from '@kaygraph/contracts';
import { expect, it } from 'vitest';
import { alice, startTestSystem, WORKFLOWS_MODULE, waitForStatus, waitForTerminal } from './harness.ts';

it('a busy worker takes high before normal before low, as the run-order list said', async () => {
  await using harness = await startTestSystem();
  const { system } = harness;
  await system.startWorker({ concurrency: 1, workflowsModule: WORKFLOWS_MODULE });
  // Holds the worker's only slot until the test cancels it.
  const blocker = await system.tasks.submit(alice, {
    workflow: 'steps',
    params: { steps: 1, hold_attempts: 1 },
    priority: 'normal',
  });
  await waitForStatus(system, alice, blocker.task_id, ['running']);

  const order: Priority[] = ['low', 'normal', 'high', 'low', 'high', 'normal'];
  const submitted: { id: string; priority: Priority }[] = [];
  for (const priority of order) {
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'steps',
      params: { steps: 1, step_ms: 0 },
      priority,
    });
    submitted.push({ id: task_id, priority });
  }
  // The run-order listing: by priority, then oldest first (high #2, #4; normal #1, #5; low #0, #3).
  const listed = await system.tasks.list(alice, { status: 'queued', order: 'next_to_run', limit: 50 });
  expect(listed.items.map((task) => submitted.findIndex((s) => s.id === task.task_id))).toEqual([
    2, 4, 1, 5, 0, 3,
  ]);

  await system.tasks.cancel(alice, blocker.task_id);
  expect(await waitForTerminal(system, alice, blocker.task_id)).toBe('cancelled');
  for (const task of submitted) expect(await waitForTerminal(system, alice, task.id)).toBe('completed');
  const finished = await Promise.all(submitted.map((task) => system.tasks.get(alice, task.id)));
  // One slot: the worker took them one by one, by priority (within one, pg-boss' order is a rule only).
  const startedPriorities = [...finished]
    .sort((a, b) => (a.started_at ?? '').localeCompare(b.started_at ?? ''))
    .map((task) => task.priority);
  expect(startedPriorities).toEqual(['high', 'high', 'normal', 'normal', 'low', 'low']);
});

it('a list in run order names one unfinished status, in process as over the api', async () => {
  await using harness = await startTestSystem();
  const refused = (input: Parameters<typeof harness.system.tasks.list>[1]) =>
    harness.system.tasks.list(alice, input).then(
      () => undefined,
      (error: unknown) => error,
    );
  for (const input of [
    { order: 'next_to_run' as const, limit: 10 },
    { order: 'next_to_run' as const, status: 'completed' as const, limit: 10 },
  ]) {
    expect(await refused(input)).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('next_to_run'),
    });
  }
  expect(
    (await harness.system.tasks.list(alice, { order: 'next_to_run', status: 'queued', limit: 10 })).items,
  ).toEqual([]);
});

it('a batch is listed in run order in the order it was given', async () => {
  await using harness = await startTestSystem();
  const { system } = harness;
  // No worker: the batch stays queued.
  const { tasks } = await system.tasks.submitMany(
    alice,
    Array.from({ length: 8 }, () => ({ workflow: 'steps', params: { steps: 1, step_ms: 0 } })),
  );
  const given = tasks.map((task) => task.task_id);
  const listed = await system.tasks.list(alice, { status: 'queued', order: 'next_to_run', limit: 50 });
  expect(listed.items.map((task) => given.indexOf(task.task_id))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
});
