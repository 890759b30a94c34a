import { expect, it } from 'vitest';
import { APPROVAL_REWIRED_MODULE } from './fixtures/approval-rewired.ts';
import { waitingOnStoppedV1 } from './fixtures/approval-waiting.ts';
import { alice, anotherSystem, waitForTerminal } from './harness.ts';

it('a waiting task taken by a build whose graph lacks its waiting node fails saying to declare a version', async () => {
  await using waiting = await waitingOnStoppedV1();
  const { system: api, taskId: task_id } = waiting;

  // The new build keeps version "1" but renamed the waiting node: it takes the task when the signal comes.
  await using newDeploy = await anotherSystem(waiting.databaseUrl);
  await newDeploy.startWorker({ concurrency: 1, workflowsModule: APPROVAL_REWIRED_MODULE });
  await api.tasks.signal(alice, { task_id, name: 'approval', payload: { approved: true } });
  expect(await waitForTerminal(api, alice, task_id)).toBe('failed');
  const { error } = await api.tasks.get(alice, task_id);
  expect(error?.code).toBe('WORKFLOW_ERROR');
  expect(error?.message).toContain('Cannot resume: the graph has no node "await_approval"');
  expect(error?.message).toContain(
    'declare a new `version` in its definition when you change its nodes, so that tasks of the old graph stay on the workers that run it',
  );
});
