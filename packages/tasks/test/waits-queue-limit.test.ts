import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alice,
  startTestSystem,
  type TestSystem,
  WORKFLOWS_MODULE,
  waitForStatus,
  waitForTerminal,
} from './harness.ts';

const LIMIT = 3;
let harness: TestSystem;

beforeAll(async () => {
  harness = await startTestSystem({ maxQueueSize: LIMIT });
  await harness.system.startWorker({
    concurrency: 1,
    workflowsModule: WORKFLOWS_MODULE,
    pollIntervalMs: 200,
  });
});
afterAll(async () => {
  await harness?.[Symbol.asyncDispose]();
});

const awaitingApproval = { workflow: 'wait_signal_inline', params: {}, priority: 'normal' as const };
/** A task that stays queued or running for the whole test (one worker slot, a minute-long step). */
const busy = { workflow: 'steps', params: { steps: 1, step_ms: 60_000 }, priority: 'normal' as const };

describe('the queue limit and waiting tasks', () => {
  it('does not count tasks that wait (they hold nothing): an owner keeps submitting past them', async () => {
    const { system } = harness;
    const waiting: string[] = [];
    for (let i = 0; i < LIMIT + 2; i++) {
      const { task_id } = await system.tasks.submit(alice, awaitingApproval);
      await waitForStatus(system, alice, task_id, ['waiting']);
      waiting.push(task_id);
    }
    // What waits is outside the queue; what is queued or running still fills it.
    const running: string[] = [];
    for (let i = 0; i < LIMIT; i++) running.push((await system.tasks.submit(alice, busy)).task_id);
    await expect(system.tasks.submit(alice, busy)).rejects.toMatchObject({ code: 'QUEUE_FULL' });

    // A wait that ends is never refused: its task runs, even past the limit.
    const [first = ''] = waiting;
    await system.tasks.signal(alice, { task_id: first, name: 'approval', payload: { approved: true } });
    await system.tasks.cancel(alice, running[0] ?? '');
    expect(await waitForTerminal(system, alice, first)).toBe('completed');
    for (const id of [...waiting.slice(1), ...running.slice(1)]) await system.tasks.cancel(alice, id);
  });
});
