import { connect } from '@kaygraph/db';
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { rowsOf } from '../src/db.ts';
import { storedEvents as readEvents } from './fixtures/stored-events.ts';
import { alice, startTestSystem, WORKFLOWS_MODULE, waitFor, waitForTerminal } from './harness.ts';

const STATEMENT_TIMEOUT_SECONDS = 0.2;

it('a cleanup pass that takes longer than the statement timeout still clears the expired results', async () => {
  await using harness = await startTestSystem({
    resultTtlSeconds: 1,
    cleanupIntervalSeconds: 3600,
    statementTimeoutSeconds: STATEMENT_TIMEOUT_SECONDS,
  });
  const { system, database } = harness;
  await system.startWorker({ concurrency: 1, workflowsModule: WORKFLOWS_MODULE });
  const { task_id } = await system.tasks.submit(alice, {
    workflow: 'steps',
    params: { steps: 1, step_ms: 0, result: 'kept for a second' },
  });
  expect(await waitForTerminal(system, alice, task_id)).toBe('completed');
  await waitFor(async () => {
    const task = await system.tasks.get(alice, task_id);
    return task.completed_at !== null && Date.now() - Date.parse(task.completed_at) > 1100;
  }, 'the TTL to pass');

  // Another session holds the task's events (a slow export, a long report): the pass's batch waits for
  // them past the statement timeout, as a batch of much data would run past it.
  await using holder = connect(database.url, { max: 1 });
  let settled = false;
  const { running } = await holder.sql.begin(async (tx) => {
    await tx`select 1 from task_events where task_id = ${task_id} for update`;
    const running = system.cleanExpired().finally(() => {
      settled = true;
    });
    running.catch(() => undefined);
    await waitFor(async () => {
      if (settled) return true;
      const [row] = rowsOf<{ waiting: boolean }>(
        await system.context.db.execute(sql`
          select exists (
            select 1 from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock'
              and query like '%delete from task_events%'
              and now() - query_start > make_interval(secs => ${STATEMENT_TIMEOUT_SECONDS * 3})
          ) as waiting`),
      );
      return row?.waiting === true;
    }, 'the pass to wait for the events past the statement timeout');
    return { running };
  });

  expect(await running).toMatchObject({ ran: true, tasksCleaned: 1 });
  await expect(system.tasks.result(alice, task_id)).rejects.toMatchObject({
    code: 'NOT_FOUND',
    message: expect.stringContaining('expired'),
  });
  expect(await readEvents(system.context.db, task_id, 0)).toEqual([]);
});
