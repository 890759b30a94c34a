import { createTestDatabase, openDatabaseDoor } from '@kaygraph/db/testing';
import { expect, it } from 'vitest';
import { createTaskSystem } from '../src/system.ts';
import { capturingLogger, type LogLine } from '../src/testing/index.ts';
import { alice, WORKFLOWS_MODULE, waitFor, waitForTerminal } from './harness.ts';

it("a worker's schedule passes and pg-boss log a database outage once, not once per try", async () => {
  // Debug too, so the test can count the tries that the error level must not repeat.
  const { logger, lines } = capturingLogger('debug');
  await using database = await createTestDatabase();
  await using door = await openDatabaseDoor(database.url);
  await using system = await createTaskSystem({
    databaseUrl: door.url,
    logger,
    superviseIntervalSeconds: 1,
    scheduleCheckIntervalSeconds: 1,
  });
  await system.startWorker({ concurrency: 1, workflowsModule: WORKFLOWS_MODULE, pollIntervalMs: 20 });
  const tries = (msg: string) => lines.filter((line) => line.msg === msg);
  const errors = (msg: string) => tries(msg).filter((line: LogLine) => line.level >= 50);

  door.shut();
  await waitFor(
    () => tries('schedule firing pass failed').length >= 3 && tries('pg-boss error').length >= 3,
    'several schedule passes and pg-boss loops to fail while the database is away',
  );
  door.open();
  const reopened = lines.length;
  await waitFor(
    () => lines.slice(reopened).some((line) => line.msg === 'schedule firing pass'),
    'a schedule pass to go through again',
  );
  const { task_id } = await system.tasks.submit(alice, {
    workflow: 'steps',
    params: { steps: 1, step_ms: 1 },
    priority: 'normal',
  });
  expect(await waitForTerminal(system, alice, task_id)).toBe('completed');

  expect(errors('schedule firing pass failed')).toHaveLength(1);
  expect(errors('pg-boss error')).toHaveLength(1);
  expect(tries('schedule firing pass goes through again')).toHaveLength(1);
}, 180_000);
