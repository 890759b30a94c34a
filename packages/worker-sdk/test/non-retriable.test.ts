import { createTestDatabase } from '@kaygraph/db/testing';
import { createTaskSystem, type TaskSystem } from '@kaygraph/tasks';
import pino from 'pino';
import { expect, test } from 'vitest';
import { startWorker } from '../src/index.ts';

const caller = { owner: 'sdk-test', admin: false };
const workflows = new URL('./fixtures/declined-workflows.ts', import.meta.url);
const logger = pino({ level: 'silent' });

/** Polls until `check` holds (the test's timeout keeps a broken test finite). */
async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 25));
}

async function charged(system: TaskSystem, final: boolean) {
  const { task_id } = await system.tasks.submit(caller, { workflow: 'charge', params: { final } });
  await until(async () => (await system.tasks.get(caller, task_id)).status === 'failed');
  const task = await system.tasks.get(caller, task_id);
  // A node metric's attempts counts its exec calls: the charges made in that run.
  const charges = task.metrics?.map((metric) => metric.attempts);
  return { attempt: task.attempt, error: task.error?.message, charges };
}

test('a NonRetriableError from @kaygraph/worker fails the task at once, and its node does not retry; a plain Error spends the retries', async () => {
  await using database = await createTestDatabase();
  await using system = await createTaskSystem({ databaseUrl: database.url, logger });
  await using _worker = await startWorker({ databaseUrl: database.url, workflows, logger });
  await until(async () =>
    (await system.workflows.list({ workerHosts: false })).some((w) => w.name === 'charge'),
  );

  expect(await charged(system, true)).toEqual({ attempt: 1, error: 'card declined', charges: [1] });
  expect(await charged(system, false)).toEqual({
    attempt: 2,
    error: 'payment provider unreachable',
    charges: [3, 3],
  });
});
