import { createTestDatabase } from '@kaygraph/db/testing';
import { createTaskSystem } from '@kaygraph/tasks';
import { capturingLogger } from '@kaygraph/tasks/testing';
import pino from 'pino';
import { expect, test } from 'vitest';
import { startWorker } from '../src/index.ts';

const caller = { owner: 'sdk-test', admin: false };
const workflows = new URL('./fixtures/held-workflows.ts', import.meta.url);
const logger = pino({ level: 'silent' });

/** Polls until `check` holds (the test's timeout keeps a broken test finite). */
async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 25));
}

test('close({ now: true }) cuts a graceful close short: the running task goes back to the queue, its retry unspent', async () => {
  await using database = await createTestDatabase();
  await using system = await createTaskSystem({ databaseUrl: database.url, logger });
  const { logger: workerLogger, lines } = capturingLogger();
  const first = await startWorker({
    databaseUrl: database.url,
    workflows,
    concurrency: 1,
    shutdownGraceSeconds: 600,
    logger: workerLogger,
  });
  const { task_id } = await system.tasks.submit(caller, {
    workflow: 'held',
    params: {},
    priority: 'normal',
    max_retries: 0,
  });
  await until(async () => (await system.tasks.get(caller, task_id)).status === 'running');
  // One start line, naming the worker as every run's line does.
  expect(lines.filter((line) => line.msg === 'worker started')).toEqual([
    expect.objectContaining({ worker_id: expect.any(String), workflows: ['held'] }),
  ]);

  const graceful = first.close();
  await first.close({ now: true });
  await graceful;
  // Each close says what it does with the running task.
  const said = lines.map((line) => line.msg);
  expect(said).toContain(
    'waiting up to 600 s for 1 running task to finish; close({ now: true }) puts them back in the queue at once',
  );
  expect(said).toContain('stopping now: 1 running task goes back to the queue');
  expect(await system.tasks.get(caller, task_id)).toMatchObject({
    status: 'queued',
    attempt: 1,
    error: null,
  });

  await using _second = await startWorker({ databaseUrl: database.url, workflows, concurrency: 1, logger });
  await until(async () => ['completed', 'failed'].includes((await system.tasks.get(caller, task_id)).status));
  expect(await system.tasks.result(caller, task_id)).toMatchObject({
    status: 'completed',
    result: { attempt: 2 },
  });
});
