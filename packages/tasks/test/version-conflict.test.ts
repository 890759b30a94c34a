import pino from 'pino';
import { expect, it } from 'vitest';
import { createTaskSystem } from '../src/system.ts';
import { GREET_PINNED_V1_MODULE } from './fixtures/greet-pinned-v1.ts';
import { GREET_PINNED_V2_MODULE } from './fixtures/greet-pinned-v2.ts';
import { alice, startTestSystem, waitForTerminal } from './harness.ts';

it('a worker declaring a version that live workers serve with other params is refused; once they stop, it starts', async () => {
  await using api = await startTestSystem();
  const deploy = () =>
    createTaskSystem({ databaseUrl: api.database.url, logger: pino({ level: 'silent' }), migrate: false });
  await using first = await deploy();
  const firstWorker = await first.startWorker({ concurrency: 1, workflowsModule: GREET_PINNED_V1_MODULE });
  await using second = await deploy();

  await expect(
    second.startWorker({ concurrency: 1, workflowsModule: GREET_PINNED_V2_MODULE }),
  ).rejects.toThrow(
    'live workers serve workflow "greet" version "1" (its params differ) with other schemas than this worker\'s',
  );
  // The first deploy's version stands: its tasks validate and run as before.
  const { task_id } = await api.system.tasks.submit(alice, { workflow: 'greet', params: { name: 'ann' } });
  expect(await waitForTerminal(api.system, alice, task_id)).toBe('completed');

  await firstWorker.stop();
  await expect(
    second.startWorker({ concurrency: 1, workflowsModule: GREET_PINNED_V2_MODULE }),
  ).resolves.toBeDefined();
});
