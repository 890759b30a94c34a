import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { capturingLogger, type LogLine } from '../src/testing/index.ts';
import { alice, startTestSystem, WORKFLOWS_MODULE, waitForStatus, waitForTerminal } from './harness.ts';

/** What an operator greps a worker's log with: every line of one task's runs. */
function linesOf(lines: readonly LogLine[], taskId: string): LogLine[] {
  return lines.filter((line) => line.task_id === taskId);
}

it('a worker logs each run of a task (started, retried, failed, completed) with the task id, attempt and worker id, never its params', async () => {
  const { logger, lines } = capturingLogger('info');
  await using harness = await startTestSystem({ logger });
  const { system } = harness;
  const worker = await system.startWorker({
    concurrency: 2,
    workflowsModule: WORKFLOWS_MODULE,
    pollIntervalMs: 50,
  });
  const secret = 'sk-live-never-in-a-log';

  // `retrying` allows two retries: this one fails its first attempt, then completes.
  const recovered = await system.tasks.submit(alice, {
    workflow: 'retrying',
    params: { steps: 1, step_ms: 0, fail_attempts: 1, result: { api_token: secret } },
    retry_delay: 0,
  });
  const failed = await system.tasks.submit(alice, {
    workflow: 'retrying',
    params: { steps: 1, step_ms: 0, fail_attempts: 5, result: { api_token: secret } },
    max_retries: 0,
  });
  expect(await waitForTerminal(system, alice, recovered.task_id)).toBe('completed');
  expect(await waitForTerminal(system, alice, failed.task_id)).toBe('failed');
  await worker.stop();

  const runsOfRecovered = linesOf(lines, recovered.task_id);
  expect(runsOfRecovered.map((line) => [line.msg, line.attempt])).toEqual([
    ['task started', 1],
    ['task attempt failed: it will be retried', 1],
    ['task started', 2],
    ['task completed', 2],
  ]);
  for (const line of runsOfRecovered) {
    expect(line).toMatchObject({ workflow: 'retrying', worker_id: worker.workerId });
  }
  const retried = runsOfRecovered[1];
  expect(retried?.level).toBe(40);
  // A workflow's own exception: its stack says where it was thrown.
  expect(retried?.error).toMatchObject({
    code: 'WORKFLOW_ERROR',
    message: 'attempt 1 fails at step 1',
    stack: expect.stringContaining('attempt 1 fails at step 1\n    at '),
  });

  expect(linesOf(lines, failed.task_id).map((line) => [line.msg, line.level])).toEqual([
    ['task started', 30],
    ['task failed', 40],
  ]);

  expect(JSON.stringify(lines)).not.toContain(secret);
}, 60_000);

it('a run whose task was taken from its worker is logged as dropped, not as its outcome', async () => {
  const { logger, lines } = capturingLogger('info');
  await using harness = await startTestSystem({ logger });
  const { system } = harness;
  const worker = await system.startWorker({ concurrency: 1, workflowsModule: WORKFLOWS_MODULE });
  // The step of attempt 1 never ends on its own: the task is taken while it runs.
  const { task_id } = await system.tasks.submit(alice, {
    workflow: 'steps',
    params: { steps: 1, hold_attempts: 1 },
  });
  await waitForStatus(system, alice, task_id, ['running']);
  // What taking the task back does to the row: another attempt owns it now.
  await system.context.db.execute(sql`update tasks set attempt = attempt + 1 where id = ${task_id}`);
  // The run is released; its outcome is not this worker's to write any more.
  await worker.stopNow();

  expect(linesOf(lines, task_id).map((line) => [line.msg, line.level])).toEqual([
    ['task started', 30],
    ['task run dropped: no longer owned (its lease lapsed and the task was taken back)', 40],
  ]);
}, 60_000);

it('a worker logging at warn writes only the failed runs, each still with its task id, attempt and worker id', async () => {
  const { logger, lines } = capturingLogger('warn');
  await using harness = await startTestSystem({ logger });
  const { system } = harness;
  const worker = await system.startWorker({ concurrency: 2, workflowsModule: WORKFLOWS_MODULE });
  const completed = await system.tasks.submit(alice, {
    workflow: 'retrying',
    params: { steps: 1, step_ms: 0, fail_attempts: 0 },
  });
  const failed = await system.tasks.submit(alice, {
    workflow: 'retrying',
    params: { steps: 1, step_ms: 0, fail_attempts: 5 },
    max_retries: 0,
  });
  expect(await waitForTerminal(system, alice, completed.task_id)).toBe('completed');
  expect(await waitForTerminal(system, alice, failed.task_id)).toBe('failed');
  await worker.stop();

  expect(linesOf(lines, completed.task_id)).toEqual([]);
  expect(linesOf(lines, failed.task_id)).toEqual([
    expect.objectContaining({
      msg: 'task failed',
      level: 40,
      attempt: 1,
      workflow: 'retrying',
      worker_id: worker.workerId,
    }),
  ]);
}, 60_000);
