import { expect, it } from 'vitest';
import { APPROVAL_REWIRED_MODULE } from './fixtures/approval-rewired.ts';
import { APPROVAL_V1_MODULE } from './fixtures/approval-v1.ts';
import { approvalCatalog } from './fixtures/approval-versions.ts';
import { alice, anotherSystem, startTestSystem, waitForStatus, waitForTerminal } from './harness.ts';

it('a waiting task taken by a build whose graph lacks its waiting node fails saying to declare a version', async () => {
  await using harness = await startTestSystem({ catalog: approvalCatalog('1') });
  const api = harness.system;
  await using oldDeploy = await anotherSystem(harness.database.url);
  const oldWorker = await oldDeploy.startWorker({ concurrency: 1, workflowsModule: APPROVAL_V1_MODULE });
  const { task_id } = await api.tasks.submit(alice, {
    workflow: 'wait_signal_inline',
    params: { deadline_seconds: 3600 },
  });
  await waitForStatus(api, alice, task_id, ['waiting']);
  await oldWorker.stop();

  // The new build keeps version "1" but renamed the waiting node: it takes the task when the signal comes.
  await using newDeploy = await anotherSystem(harness.database.url);
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
