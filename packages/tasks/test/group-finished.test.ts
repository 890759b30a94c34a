import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { rowsOf } from '../src/db.ts';
import { claimJobs } from '../src/store/claim.ts';
import { finishAttempts } from '../src/store/finish.ts';
import { registerWorker } from '../src/store/workers.ts';
import { alice, noMetrics, queueOf, startTestSystem, waitFor } from './harness.ts';

const quick = { workflow: 'steps', params: { steps: 1, step_ms: 0 } };

it('a task added while the group’s last task finishes waits for that commit, then is refused: the group stays completed', async () => {
  await using harness = await startTestSystem();
  const { system } = harness;
  const { db, queue } = system.context;
  const { groups } = system.orchestration;
  const group = await groups.create(alice, { name: 'finishing', tasks: [quick] });
  // A worker claims the group's only task (as the runtime does).
  const worker = await registerWorker(db, { host: 'here', pid: 1 });
  const { attempts } = await db.transaction((tx) => claimJobs(tx, queue, worker.id, queueOf('steps'), 1));
  const [attempt] = attempts;
  if (!attempt) throw new Error('the group’s task was not claimed');
  const holdWaits = async () => {
    const [row] = rowsOf<{ n: number }>(
      await db.execute(sql`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock' and query like '%open_task%'`),
    );
    return (row?.n ?? 0) > 0;
  };

  let added: unknown;
  await db.transaction(async (tx) => {
    // The worker's commit of the task's outcome, in flight: the group finishes when it commits.
    await finishAttempts(system.context, tx, [
      { kind: 'completed', attempt, result: { done: true }, artifacts: [], metrics: noMetrics },
    ]);
    void groups.addTasks(alice, { group_id: group.group_id, tasks: [quick] }).then(
      (output) => {
        added = output;
      },
      (error: unknown) => {
        added = error;
      },
    );
    await waitFor(async () => added !== undefined || (await holdWaits()), 'the add to wait for the finish');
  });

  await waitFor(() => added, 'the add to answer');
  expect(added).toMatchObject({
    code: 'CONFLICT',
    message: `group ${group.group_id} has finished (completed); it takes no new tasks`,
  });
  expect(await groups.get(alice, { group_id: group.group_id })).toMatchObject({
    status: 'completed',
    total: 1,
    completed_at: expect.any(String),
  });
});
