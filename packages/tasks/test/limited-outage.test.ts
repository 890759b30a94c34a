import { createTestDatabase, openDatabaseDoor } from '@kaygraph/db/testing';
import { expect, it } from 'vitest';
import { createTaskSystem } from '../src/system.ts';
import { capturingLogger } from '../src/testing/index.ts';
import { alice, WORKFLOWS_MODULE, waitFor, waitForTerminal } from './harness.ts';

const CUTS = 4;

it('a worker runs tasks of a concurrency-limited workflow and others after every one of several database cuts', async () => {
  const { logger, lines } = capturingLogger();
  await using database = await createTestDatabase();
  await using door = await openDatabaseDoor(database.url);
  await using system = await createTaskSystem({ databaseUrl: door.url, logger });
  // Polling often: the limited queue's fetch (which takes a cluster-wide slot first) runs many times
  // during each cut and right as the database comes back.
  await system.startWorker({ concurrency: 2, workflowsModule: WORKFLOWS_MODULE, pollIntervalMs: 20 });
  for (let cut = 1; cut <= CUTS; cut++) {
    const failedBefore = lines.filter((line) => line.msg.startsWith('fetching jobs failed')).length;
    door.shut();
    await waitFor(
      () => lines.filter((line) => line.msg.startsWith('fetching jobs failed')).length > failedBefore,
      `a fetch to fail in cut ${cut}`,
    );
    await waitFor(() => door.turnedAway() >= 3, `the worker to try again in cut ${cut}`);
    door.open();
    const submitted = await system.tasks.submitMany(alice, [
      { workflow: 'limited', params: { steps: 1, step_ms: 1 } },
      { workflow: 'steps', params: { steps: 1, step_ms: 1 } },
      { workflow: 'limited', params: { steps: 1, step_ms: 1 } },
      { workflow: 'steps', params: { steps: 1, step_ms: 1 } },
    ]);
    for (const { task_id } of submitted.tasks) {
      expect(await waitForTerminal(system, alice, task_id)).toBe('completed');
    }
  }
}, 240_000);
