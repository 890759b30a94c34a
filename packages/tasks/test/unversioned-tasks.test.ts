import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { catalog } from './fixtures/workflows.ts';
import { alice, queueOf, startTestSystem, WORKFLOWS_MODULE, waitForTerminal } from './harness.ts';

it('a task queued before versions were recorded (migration 0006) still runs on a worker started after the upgrade', async () => {
  await using harness = await startTestSystem();
  const { system } = harness;
  const { queue, db } = system.context;
  const { task_id } = await system.tasks.submit(alice, { workflow: 'noop', params: {} });
  // Made into a task of the old release: no version, its job in the workflow's unversioned queue (which
  // the old release created for every workflow).
  await queue.cancelWaiting([{ ...queueOf('noop'), jobId: task_id }]);
  const defaults = catalog.get('noop')?.defaults;
  if (!defaults) throw new Error('no noop workflow');
  await queue.ensureQueues([{ workflow: 'noop', version: null, defaults }]);
  const jobId = randomUUID();
  await db.transaction(async (tx) => {
    await tx.execute(sql`update tasks set workflow_version = null, job_id = ${jobId} where id = ${task_id}`);
    await queue.insert(tx, [
      {
        jobId,
        taskId: task_id,
        workflow: 'noop',
        version: null,
        priority: 'normal',
        retryLimit: 0,
        retryDelaySeconds: 0,
        retryBackoff: false,
        timeoutSeconds: 60,
        startAfter: null,
        concurrencyGroup: null,
      },
    ]);
  });
  expect(await queue.queuedTaskIds({ workflow: 'noop', version: null })).toEqual([task_id]);

  await system.startWorker({ concurrency: 1, workflowsModule: WORKFLOWS_MODULE });
  expect(await waitForTerminal(system, alice, task_id)).toBe('completed');
  expect((await system.tasks.get(alice, task_id)).workflow_version).toBeNull();
});
