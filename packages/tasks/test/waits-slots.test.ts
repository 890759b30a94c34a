import { describe, expect, it } from 'vitest';
import { alice, startTestSystem, WORKFLOWS_MODULE, waitFor, waitForTerminal } from './harness.ts';

const WAITING = 1000;

describe('waiting tasks hold no worker', () => {
  it(`runs another task at once on a worker of concurrency 1 while ${WAITING} tasks wait, then resumes them all`, async () => {
    await using harness = await startTestSystem({ maxQueueSize: WAITING + 10, maxBatchSize: WAITING });
    const { system } = harness;
    await system.startWorker({ concurrency: 1, workflowsModule: WORKFLOWS_MODULE });
    const { tasks } = await system.tasks.submitMany(
      alice,
      Array.from({ length: WAITING }, () => ({ workflow: 'wait_signal_inline', params: {} })),
    );
    const ids = tasks.map((task) => task.task_id);
    await waitFor(
      async () => {
        const listed = await system.tasks.list(alice, {
          status: 'waiting',
          workflow: 'wait_signal_inline',
          limit: 1,
        });
        const metrics = await system.tasks.metrics(alice, { windowSeconds: 60 });
        return metrics.tasks_waiting === WAITING && listed.items.length === 1;
        // A thousand runs to their wait, one at a time: minutes on a busy machine too.
      },
      `${WAITING} tasks to wait`,
      240_000,
    );
    // Nothing is held for them: none runs, none is queued.
    expect(await system.tasks.metrics(alice, { windowSeconds: 60 })).toMatchObject({
      tasks_running: 0,
      queue_depth: 0,
    });

    const { task_id: other } = await system.tasks.submit(alice, { workflow: 'noop', params: {} });
    expect(await waitForTerminal(system, alice, other)).toBe('completed');
    expect((await system.tasks.metrics(alice, { windowSeconds: 60 })).tasks_waiting).toBe(WAITING);

    for (let i = 0; i < ids.length; i += 50) {
      const answers = await Promise.all(
        ids
          .slice(i, i + 50)
          .map((taskId) =>
            system.tasks.signal(alice, { task_id: taskId, name: 'approval', payload: { approved: true } }),
          ),
      );
      for (const answer of answers) expect(answer.taken).toBe('resumed');
    }
    // A thousand runs one after the other: on a machine busy with other test files this takes minutes.
    await waitFor(
      async () => {
        const metrics = await system.tasks.metrics(alice, { windowSeconds: 600 });
        return metrics.tasks_waiting === 0 && metrics.tasks_completed === WAITING + 1;
      },
      'every waiting task to complete',
      240_000,
    );
    const sample = await system.tasks.result(alice, ids[WAITING - 1] ?? '');
    expect(sample.result).toEqual({ decision: 'approved', approval: { approved: true } });
  }, 540_000);
});
