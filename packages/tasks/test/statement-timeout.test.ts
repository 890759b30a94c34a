import { connect } from '@kaygraph/db';
import { expect, it } from 'vitest';
import { capturingLogger, type LogLine } from '../src/testing/index.ts';
import {
  alice,
  startTestSystem,
  WORKFLOWS_MODULE,
  waitFor,
  waitForStatus,
  waitForTerminal,
} from './harness.ts';

/** Short enough that a lock held for a few polls times out many statements. */
const STATEMENT_TIMEOUT_SECONDS = 0.2;

const fetchTimedOut = (line: LogLine) => line.msg.startsWith('fetching jobs timed out');

/**
 * Holds a row lock on a task (an operator's forgotten `select ... for update`, a long migration's update)
 * until `whileHeld` resolves.
 */
async function withTaskRowLocked(
  databaseUrl: string,
  taskId: string,
  whileHeld: () => Promise<void>,
): Promise<void> {
  await using holder = connect(databaseUrl, { max: 1 });
  await holder.sql.begin(async (tx) => {
    await tx`select id from tasks where id = ${taskId} for update`;
    await whileHeld();
  });
}

/** A system with the short statement timeout, its log lines, and a queued one-step task no worker took yet. */
async function queuedUnderShortTimeout(level?: Parameters<typeof capturingLogger>[0]) {
  const { logger, lines } = capturingLogger(level);
  const testSystem = await startTestSystem({ logger, statementTimeoutSeconds: STATEMENT_TIMEOUT_SECONDS });
  const { task_id } = await testSystem.system.tasks
    .submit(alice, { workflow: 'steps', params: { steps: 1, step_ms: 1 }, priority: 'normal' })
    .catch(async (error: unknown) => {
      await testSystem[Symbol.asyncDispose]();
      throw error;
    });
  return {
    system: testSystem.system,
    databaseUrl: testSystem.database.url,
    lines,
    task_id,
    [Symbol.asyncDispose]: () => testSystem[Symbol.asyncDispose](),
  };
}

it("a worker's fetch held up by a lock times out, is logged once, and claims the task once the lock is gone", async () => {
  await using queued = await queuedUnderShortTimeout('debug');
  const { system, lines, task_id } = queued;

  await withTaskRowLocked(queued.databaseUrl, task_id, async () => {
    // Started under the lock: its first fetch takes the job, then waits for the task's row.
    await system.startWorker({ concurrency: 1, workflowsModule: WORKFLOWS_MODULE, pollIntervalMs: 20 });
    await waitFor(
      () => lines.filter(fetchTimedOut).length >= 3,
      'the worker to try the fetch again and again',
    );
    expect((await system.tasks.get(alice, task_id)).status).toBe('queued');
  });

  expect(await waitForTerminal(system, alice, task_id)).toBe('completed');
  const timedOut = lines.filter(fetchTimedOut);
  // One error line that says which workflow and why, then quiet tries, as for an outage.
  expect(timedOut.filter((line) => line.level >= 50)).toEqual([
    expect.objectContaining({
      workflow: 'steps',
      err: expect.objectContaining({
        message: expect.stringContaining('canceling statement due to statement timeout'),
      }),
    }),
  ]);
  expect(lines).toContainEqual(expect.objectContaining({ msg: 'fetching jobs of steps goes through again' }));
  expect((await system.tasks.get(alice, task_id)).attempt).toBe(1);
});

it('a worker stopped while its fetch waits behind a lock stops, and leaves the task to the next worker', async () => {
  await using queued = await queuedUnderShortTimeout();
  const { system, lines, task_id } = queued;

  await withTaskRowLocked(queued.databaseUrl, task_id, async () => {
    const worker = await system.startWorker({
      concurrency: 1,
      workflowsModule: WORKFLOWS_MODULE,
      pollIntervalMs: 20,
    });
    await waitFor(() => lines.some(fetchTimedOut), 'a fetch to wait for the lock');
    // Without a statement timeout the stop waits for that fetch for as long as the lock is held.
    await worker.stop();
    expect(await system.tasks.get(alice, task_id)).toMatchObject({ status: 'queued', attempt: 0 });
  });

  await system.startWorker({ concurrency: 1, workflowsModule: WORKFLOWS_MODULE });
  expect(await waitForTerminal(system, alice, task_id)).toBe('completed');
  expect((await system.tasks.get(alice, task_id)).attempt).toBe(1);
});

it('a running task whose writes wait behind a lock past the statement timeout completes once it is gone, its retries unspent', async () => {
  await using testSystem = await startTestSystem({ statementTimeoutSeconds: STATEMENT_TIMEOUT_SECONDS });
  const { system } = testSystem;
  await system.startWorker({ concurrency: 1, workflowsModule: WORKFLOWS_MODULE });
  const { task_id } = await system.tasks.submit(alice, {
    workflow: 'steps',
    params: { steps: 3, step_ms: 200 },
    priority: 'normal',
  });
  await waitForStatus(system, alice, task_id, ['running']);

  await using observer = connect(testSystem.database.url, { max: 1 });
  // The worker's statements waiting for a lock, as pg_stat_activity shows them: one per try.
  const waitingTries = async () =>
    (
      await observer.sql<{ try: string }[]>`
        select pid || ':' || query_start as try from pg_stat_activity
        where datname = current_database() and application_name = 'kaygraph-tasks' and wait_event_type = 'Lock'`
    ).map((row) => row.try);
  await withTaskRowLocked(testSystem.database.url, task_id, async () => {
    // The run's writes (progress, checkpoint, then its outcome) are three; each of many more tries is one
    // of them timed out and tried again.
    const tries = new Set<string>();
    await waitFor(async () => {
      for (const tried of await waitingTries()) tries.add(tried);
      return tries.size >= 6;
    }, 'the writes to time out and be tried again');
  });

  expect(await waitForTerminal(system, alice, task_id)).toBe('completed');
  expect(await system.tasks.get(alice, task_id)).toMatchObject({
    status: 'completed',
    attempt: 1,
    error: null,
  });
});
