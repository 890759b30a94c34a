import { expect, it } from 'vitest';
import type { TaskSystem } from '../src/system.ts';
import {
  admin,
  alice,
  anotherSystem,
  startTestSystem,
  WORKFLOWS_MODULE,
  waitFor,
  waitForStatus,
  waitForTerminal,
} from './harness.ts';

/** Runs a `noop` task to its end: proof that the workers fetched (and polled) since it was submitted. */
async function workersFetched(system: TaskSystem): Promise<void> {
  const { task_id } = await system.tasks.submit(alice, { workflow: 'noop', params: {} });
  expect(await waitForTerminal(system, alice, task_id)).toBe('completed');
}

it('a paused workflow queues its tasks, finishes the running one, shows it is paused, and resume runs them', async () => {
  await using harness = await startTestSystem();
  const { system } = harness;
  await system.startWorker({ concurrency: 4, workflowsModule: WORKFLOWS_MODULE, pollIntervalMs: 100 });
  const running = await system.tasks.submit(alice, { workflow: 'steps', params: { steps: 2, step_ms: 300 } });
  await waitForStatus(system, alice, running.task_id, ['running']);

  const pause = await system.tasks.setWorkflowPaused(admin, { name: 'steps' }, true);
  expect(pause).toMatchObject({ name: 'steps', paused: true, paused_by: 'root' });
  const listed = (await system.workflows.list({ workerHosts: false })).find((w) => w.name === 'steps');
  expect(listed).toMatchObject({ paused: true, paused_at: pause.paused_at });

  const held = await system.tasks.submit(alice, { workflow: 'steps', params: { steps: 1 } });
  expect(await waitForTerminal(system, alice, running.task_id)).toBe('completed');
  await workersFetched(system);
  expect((await system.tasks.get(alice, held.task_id)).status).toBe('queued');

  const resumed = await system.tasks.setWorkflowPaused(admin, { name: 'steps' }, false);
  expect(resumed).toMatchObject({ paused: false, paused_at: null });
  expect(await waitForTerminal(system, alice, held.task_id)).toBe('completed');
  const after = (await system.workflows.list({ workerHosts: false })).find((w) => w.name === 'steps');
  expect(after).toMatchObject({ paused: false, paused_at: null });
});

it('a resume wakes the workers at once, not on their next poll', async () => {
  await using harness = await startTestSystem();
  const { system } = harness;
  await system.tasks.setWorkflowPaused(admin, { name: 'steps' }, true);
  // No poll within the test: only the resume's NOTIFY can start the held task.
  await system.startWorker({ concurrency: 2, workflowsModule: WORKFLOWS_MODULE, pollIntervalMs: 3_600_000 });
  const held = await system.tasks.submit(alice, { workflow: 'steps', params: { steps: 1 } });
  await workersFetched(system);
  expect((await system.tasks.get(alice, held.task_id)).status).toBe('queued');
  await system.tasks.setWorkflowPaused(admin, { name: 'steps' }, false);
  expect(await waitForTerminal(system, alice, held.task_id)).toBe('completed');
});

it('a retry of a paused workflow waits for the resume', async () => {
  await using harness = await startTestSystem();
  const { system } = harness;
  await system.startWorker({ concurrency: 2, workflowsModule: WORKFLOWS_MODULE, pollIntervalMs: 100 });
  const failing = await system.tasks.submit(alice, {
    workflow: 'steps',
    params: { steps: 1, step_ms: 300, fail_attempts: 1 },
    max_retries: 1,
    retry_delay: 0,
  });
  await waitForStatus(system, alice, failing.task_id, ['running']);
  await system.tasks.setWorkflowPaused(admin, { name: 'steps' }, true);
  // The first attempt fails; its retry is due at once, but no worker takes it while paused.
  const failed = await waitFor(async () => {
    const task = await system.tasks.get(alice, failing.task_id);
    return task.status !== 'running' && task;
  }, 'attempt 1 to fail');
  // Its backoff over (`run_at`: when the retry is due), the workers fetch again.
  const due = Date.parse(failed.run_at ?? '');
  await waitFor(() => Date.now() > due, 'the retry to be due');
  await workersFetched(system);
  const held = await system.tasks.get(alice, failing.task_id);
  expect(held.status).toBe('queued');
  expect(held.attempt).toBe(1);
  await system.tasks.setWorkflowPaused(admin, { name: 'steps' }, false);
  expect(await waitForTerminal(system, alice, failing.task_id)).toBe('completed');
});

it('no worker of two starts a task after the pause answered, though claims were in flight', async () => {
  await using harness = await startTestSystem();
  const { system, database } = harness;
  await using other = await anotherSystem(database.url);
  await system.startWorker({ concurrency: 8, workflowsModule: WORKFLOWS_MODULE, pollIntervalMs: 100 });
  await other.startWorker({ concurrency: 8, workflowsModule: WORKFLOWS_MODULE, pollIntervalMs: 100 });
  // 400 tasks, over owners (each may have 100 unfinished).
  const tasks: { task_id: string }[] = [];
  for (let batch = 0; batch < 8; batch++) {
    const submitted = await system.tasks.submitMany(
      { owner: `owner-${batch % 4}`, admin: false },
      Array.from({ length: 50 }, () => ({ workflow: 'steps', params: { steps: 1, step_ms: 0 } })),
    );
    tasks.push(...submitted.tasks);
  }
  const statuses = async () =>
    Promise.all(tasks.map(async (task) => (await system.tasks.get(admin, task.task_id)).status));
  // Three pauses, each while both workers are claiming: some tasks ended since the last, many are queued.
  for (const ended of [20, 120, 220]) {
    await waitFor(
      async () => (await system.tasks.get(admin, tasks[ended]?.task_id ?? '')).status === 'completed',
      `task ${ended} to end`,
    );
    await system.tasks.setWorkflowPaused(admin, { name: 'steps' }, true);
    const queuedAtAnswer = (await statuses()).flatMap((status, i) => (status === 'queued' ? [i] : []));
    expect(queuedAtAnswer.length).toBeGreaterThan(0);
    await workersFetched(system);
    await workersFetched(other);
    const now = await statuses();
    expect(queuedAtAnswer.filter((i) => now[i] !== 'queued')).toEqual([]);
    // Whatever had been claimed before the answer ran to its end.
    expect(now.filter((status) => status !== 'queued' && status !== 'completed')).toEqual([]);
    await system.tasks.setWorkflowPaused(admin, { name: 'steps' }, false);
  }
});

it('pausing takes an admin and a registered workflow, by its name or an alias', async () => {
  await using harness = await startTestSystem();
  const { system } = harness;
  await expect(system.tasks.setWorkflowPaused(alice, { name: 'steps' }, true)).rejects.toMatchObject({
    code: 'FORBIDDEN',
  });
  await expect(system.tasks.setWorkflowPaused(admin, { name: 'nope' }, true)).rejects.toMatchObject({
    code: 'NOT_FOUND',
  });
  // An alias finds its workflow, as a submit does; the answer names the workflow.
  await expect(system.tasks.setWorkflowPaused(admin, { name: 'chain' }, true)).resolves.toMatchObject({
    name: 'steps',
    paused: true,
  });
});
