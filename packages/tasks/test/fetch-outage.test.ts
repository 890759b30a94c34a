import { createTestDatabase, openDatabaseDoor } from '@kaygraph/db/testing';
import { expect, it } from 'vitest';
import { createTaskSystem } from '../src/system.ts';
import { capturingLogger, type LogLine } from '../src/testing/index.ts';
import { alice, WORKFLOWS_MODULE, waitFor, waitForTerminal } from './harness.ts';

it('a worker logs a database outage once, not once per poll, and says when it fetches again', async () => {
  const { logger, lines } = capturingLogger();
  await using database = await createTestDatabase();
  await using door = await openDatabaseDoor(database.url);
  await using system = await createTaskSystem({ databaseUrl: door.url, logger });
  // Polling often, so that the outage spans many fetches.
  await system.startWorker({ concurrency: 1, workflowsModule: WORKFLOWS_MODULE, pollIntervalMs: 20 });
  const fetchFailed = (line: LogLine) => line.msg.startsWith('fetching jobs failed');

  door.shut();
  await waitFor(() => lines.some(fetchFailed), 'a fetch to fail');
  const triedBefore = door.turnedAway();
  // Several tries while it is away (each try's backoff grows towards a second, so on a loaded machine
  // many would take long).
  await waitFor(() => door.turnedAway() >= triedBefore + 5, 'the worker to try the database again and again');
  door.open();
  const { task_id } = await system.tasks.submit(alice, {
    workflow: 'steps',
    params: { steps: 1, step_ms: 1 },
    priority: 'normal',
  });
  expect(await waitForTerminal(system, alice, task_id)).toBe('completed');

  expect(lines.filter(fetchFailed)).toHaveLength(1);
  expect(lines).toContainEqual(expect.objectContaining({ msg: 'fetching jobs goes through again' }));
}, 180_000);
