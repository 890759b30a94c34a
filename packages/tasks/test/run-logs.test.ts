import { expect, it } from 'vitest';
import { capturingLogger, type LogLine } from '../src/testing/index.ts';
import { alice, startTestSystem, WORKFLOWS_MODULE, waitForTerminal } from './harness.ts';

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
