import type { TaskEvent } from '@kaygraph/contracts';
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { rowsOf } from '../src/db.ts';
import { storedEvents as readEvents } from './fixtures/stored-events.ts';
import { alice, startTestSystem, WORKFLOWS_MODULE, waitFor, waitForTerminal } from './harness.ts';

it('a subscriber whose LISTEN connection is killed mid-task still gets every event once, in order', async () => {
  await using harness = await startTestSystem();
  const { system } = harness;
  await system.startWorker({ concurrency: 1, workflowsModule: WORKFLOWS_MODULE });
  const { task_id } = await system.tasks.submit(alice, {
    workflow: 'steps',
    params: { steps: 8, step_ms: 150 },
    priority: 'normal',
  });
  const received: TaskEvent[] = [];
  const collecting = (async () => {
    for await (const event of system.tasks.events(alice, task_id, {})) received.push(event);
  })();
  await waitFor(() => received.some((e) => e.type === 'status' && e.status === 'running'), 'the task to run');

  // Kill the LISTEN session: postgres.js reconnects and LISTENs again; what was sent meanwhile is lost
  // from the live stream and must come from the table.
  const killed = rowsOf<{ killed: boolean }>(
    await system.context.db.execute(sql`
      select pg_terminate_backend(pid) as killed from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid() and query ilike 'listen%'`),
  );
  expect(killed.length).toBeGreaterThan(0);

  expect(await waitForTerminal(system, alice, task_id)).toBe('completed');
  await collecting;
  const stored = await readEvents(system.context.db, task_id, 0);
  expect(received).toEqual(stored);
});
