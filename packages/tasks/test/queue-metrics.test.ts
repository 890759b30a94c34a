import { connect } from '@kaygraph/db';
import { expect, it } from 'vitest';
import { admin, alice, startTestSystem, WORKFLOWS_MODULE, waitFor } from './harness.ts';

/**
 * What an operator reads to tell whether the queue backs up: queue_depth (what a worker could start now),
 * how long the oldest of that has waited, and how many workers are alive. Expected figures come from the
 * tasks table.
 */
it('queue depth counts due scheduled tasks and not retries in backoff; the oldest wait and live workers are reported', async () => {
  await using harness = await startTestSystem();
  const { system, database } = harness;
  await using db = connect(database.url, { max: 1 });
  const metrics = () => system.tasks.metrics(admin, { windowSeconds: 3600 });

  // A retry waiting out a long backoff: queued, but no worker may start it before its run_at.
  const worker = await system.startWorker({
    concurrency: 1,
    workflowsModule: WORKFLOWS_MODULE,
    pollIntervalMs: 50,
  });
  expect((await metrics()).workers).toBe(1);
  const backoff = await system.tasks.submit(alice, {
    workflow: 'retrying',
    params: { steps: 1, step_ms: 0, fail_attempts: 5 },
    retry_delay: 3600,
  });
  await waitFor(
    async () => (await system.tasks.get(alice, backoff.task_id)).error !== null,
    'the first failure',
  );
  await worker.stop();
  expect((await metrics()).workers).toBe(0);

  // With no worker left: a queued task, and a delayed one whose run_at comes while nobody can take it.
  const queued = await system.tasks.submit(alice, { workflow: 'steps', params: { steps: 1 } });
  const delayed = await system.tasks.submit(alice, {
    workflow: 'steps',
    params: { steps: 1 },
    run_at: new Date(Date.now() + 300).toISOString(),
  });
  await waitFor(
    async () =>
      (await db.sql`select 1 from tasks where id = ${delayed.task_id} and run_at <= now()`).length > 0,
    'the delayed task to come due',
  );
  const statuses = await db.sql<{ id: string; status: string }[]>`select id, status from tasks`;
  expect(Object.fromEntries(statuses.map((row) => [row.id, row.status]))).toEqual({
    [backoff.task_id]: 'queued',
    [queued.task_id]: 'queued',
    [delayed.task_id]: 'scheduled',
  });

  // How long the two runnable tasks have waited, read just before and just after the snapshot.
  const oldestWait = async () => {
    const [row] = await db.sql<{ seconds: number }[]>`
      select extract(epoch from clock_timestamp() - least(
        (select created_at from tasks where id = ${queued.task_id}),
        (select run_at from tasks where id = ${delayed.task_id})))::float8 as seconds`;
    return row?.seconds ?? Number.NaN;
  };
  const before = await oldestWait();
  const snapshot = await metrics();
  const after = await oldestWait();

  expect(snapshot).toMatchObject({
    tasks_pending: 3,
    tasks_queued: 2,
    tasks_scheduled: 1,
    queue_depth: 2,
    workers: 0,
  });
  expect(snapshot.by_workflow.steps).toMatchObject({ queue_depth: 2, tasks_queued: 1, tasks_scheduled: 1 });
  expect(snapshot.by_workflow.retrying).toMatchObject({
    queue_depth: 0,
    tasks_queued: 1,
    queue_age_seconds: 0,
  });
  expect(snapshot.queue_age_seconds).toBeGreaterThanOrEqual(Math.floor(before * 1000) / 1000);
  expect(snapshot.queue_age_seconds).toBeLessThanOrEqual(after);
  expect(snapshot.by_priority.normal?.queue_age_seconds).toBe(snapshot.queue_age_seconds);
}, 60_000);
