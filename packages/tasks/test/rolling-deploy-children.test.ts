import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { versionRecordOf } from '../src/registry/workflow-version.ts';
import { greetCatalog } from './fixtures/greet.ts';
import { GREET_PARENT_V1_MODULE } from './fixtures/greet-parent-v1.ts';
import { GREET_PARENT_V2_MODULE } from './fixtures/greet-parent-v2.ts';
import { alice, anotherSystem, startTestSystem, waitFor, waitForStatus, waitForTerminal } from './harness.ts';

/**
 * A rolling deploy under a parent task: the old deploy's `greet_all` asks for `greet` children with v1's
 * params while the new deploy has made v2 (which requires `greeting`) the current version of `greet`.
 */

it("a parent on an old worker gets children of its own build's version, which its params fit", async () => {
  await using harness = await startTestSystem();
  const api = harness.system;
  const hold = join(mkdtempSync(join(tmpdir(), 'kg-deploy-')), 'release');
  await using oldDeploy = await anotherSystem(harness.database.url);
  await oldDeploy.startWorker({ concurrency: 2, workflowsModule: GREET_PARENT_V1_MODULE });
  const { task_id: parentId } = await api.tasks.submit(alice, {
    workflow: 'greet_all',
    params: { names: ['ada', 'bob'], hold_file: hold },
  });
  await waitForStatus(api, alice, parentId, ['running']);

  // The new deploy starts while the parent runs on the old worker: v2 becomes greet's current version.
  await using newDeploy = await anotherSystem(harness.database.url);
  await newDeploy.startWorker({ concurrency: 2, workflowsModule: GREET_PARENT_V2_MODULE });
  const greetV2 = greetCatalog('v2').get('greet');
  if (!greetV2) throw new Error('no greet workflow');
  const v2 = versionRecordOf(greetV2).version;
  await waitFor(
    async () => (await oldDeploy.workflows.resolve(['greet'])).get('greet')?.version === v2,
    'the old deploy to resolve greet to v2',
  );

  writeFileSync(hold, '');
  expect(await waitForTerminal(api, alice, parentId)).toBe('completed');
  expect((await api.tasks.result(alice, parentId)).result).toEqual({
    // Both children ran on the old deploy, with the params its parent gave them.
    greetings: [
      { text: 'hello ada', deploy: 'v1' },
      { text: 'hello bob', deploy: 'v1' },
    ],
  });
  // New submits still go to the new deploy's version.
  const { task_id: fresh } = await api.tasks.submit(alice, {
    workflow: 'greet',
    params: { name: 'eve', greeting: 'hi' },
  });
  expect(await waitForTerminal(api, alice, fresh)).toBe('completed');
  expect((await api.tasks.result(alice, fresh)).result).toEqual({ text: 'hi eve', deploy: 'v2' });
});
