import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { rowsOf } from '../src/db.ts';
import { versionRecordOf } from '../src/registry/workflow-version.ts';
import type { TaskSystem } from '../src/system.ts';
import { greetCatalog } from './fixtures/greet.ts';
import { GREET_V1_MODULE } from './fixtures/greet-v1.ts';
import { GREET_V2_MODULE } from './fixtures/greet-v2.ts';
import { alice, anotherSystem, startTestSystem, waitFor, waitForStatus, waitForTerminal } from './harness.ts';

/**
 * A rolling deploy of `greet`: the old deploy's workers run v1, the new deploy's v2 (whose params gained a
 * required `greeting`). Each "deploy" is a task system of its own on the test database, as separate
 * processes would be; the test harness's system plays the api (it has no `greet` code).
 */

async function workerOf(system: TaskSystem, taskId: string): Promise<string | null> {
  const [row] = rowsOf<{ worker_id: string | null }>(
    await system.context.db.execute(sql`select worker_id from tasks where id = ${taskId}`),
  );
  return row?.worker_id ?? null;
}

/** The version of `greet` a deploy registers. */
function versionOf(deploy: 'v1' | 'v2'): string {
  const greet = greetCatalog(deploy).get('greet');
  if (!greet) throw new Error('no greet workflow');
  return versionRecordOf(greet).version;
}

/** Until the api resolves `greet` to `deploy`'s version (it hears registrations by notification). */
function apiSees(api: TaskSystem, deploy: 'v1' | 'v2'): Promise<true> {
  return waitFor(
    async () => (await api.workflows.resolve(['greet'])).get('greet')?.version === versionOf(deploy),
    `the api to resolve greet to ${deploy}`,
  );
}

async function versionsOf(system: TaskSystem, owner?: string) {
  const greet = (await system.workflows.list({ owner, workerHosts: true })).find(
    (info) => info.name === 'greet',
  );
  return (greet?.versions ?? []).map((version) => ({
    current: version.current,
    workers: version.workers.map((worker) => worker.id),
    unfinished: version.unfinished_tasks,
  }));
}

it('tasks run only on workers of the version they were validated against; the old version drains on its own workers', async () => {
  await using harness = await startTestSystem();
  const api = harness.system;
  const hold = join(mkdtempSync(join(tmpdir(), 'kg-deploy-')), 'release');
  await expect(
    api.tasks.submit(alice, { workflow: 'greet', params: { name: 'early' } }),
  ).rejects.toMatchObject({
    code: 'BAD_REQUEST',
    message: expect.stringContaining('no worker has registered workflow "greet"'),
  });

  // The old deploy: one v1 worker runs one task at a time; the other v1 tasks wait in its queue.
  await using oldDeploy = await anotherSystem(harness.database.url);
  const oldWorker = await oldDeploy.startWorker({ concurrency: 1, workflowsModule: GREET_V1_MODULE });
  const v1: string[] = [];
  for (const name of ['ada', 'bob', 'cy']) {
    v1.push(
      (await api.tasks.submit(alice, { workflow: 'greet', params: { name, hold_file: hold } })).task_id,
    );
  }
  await waitFor(
    async () =>
      (await Promise.all(v1.map((id) => api.tasks.get(alice, id)))).some((t) => t.status === 'running'),
    'a v1 task to run',
  );

  // The new deploy starts: new submits are validated against v2, whose params need `greeting`.
  await using newDeploy = await anotherSystem(harness.database.url);
  const newWorker = await newDeploy.startWorker({ concurrency: 2, workflowsModule: GREET_V2_MODULE });
  await apiSees(api, 'v2');
  await expect(api.tasks.submit(alice, { workflow: 'greet', params: { name: 'dee' } })).rejects.toMatchObject(
    {
      code: 'INVALID_PARAMS',
      issues: [{ path: 'params.greeting', message: 'required' }],
    },
  );
  const v2 = (await api.tasks.submit(alice, { workflow: 'greet', params: { name: 'eve', greeting: 'hi' } }))
    .task_id;
  expect(await waitForTerminal(api, alice, v2)).toBe('completed');
  expect((await api.tasks.result(alice, v2)).result).toEqual({ text: 'hi eve', deploy: 'v2' });
  expect(await workerOf(api, v2)).toBe(newWorker.workerId);

  // The idle v2 worker took none of the v1 tasks queued behind the busy v1 worker.
  const statuses = (await Promise.all(v1.map((id) => api.tasks.get(alice, id)))).map((task) => task.status);
  expect(statuses.sort()).toEqual(['queued', 'queued', 'running']);
  expect(await versionsOf(api)).toEqual([
    { current: true, workers: [newWorker.workerId], unfinished: 0 },
    { current: false, workers: [oldWorker.workerId], unfinished: 3 },
  ]);
  // Another owner sees the versions and their workers, not alice's tasks.
  expect((await versionsOf(api, 'bob')).map((version) => version.unfinished)).toEqual([0, 0]);
  expect(
    (await api.workflows.list({ owner: 'bob', workerHosts: false })).flatMap((info) =>
      info.versions.flatMap((v) => v.workers),
    ),
  ).toEqual([
    expect.objectContaining({ id: newWorker.workerId, host: null, pid: null }),
    expect.objectContaining({ id: oldWorker.workerId, host: null, pid: null }),
  ]);
  expect(
    (await api.workflows.list({ workerHosts: true })).find((info) => info.name === 'greet')?.versions[0]
      ?.workers,
  ).toEqual([
    expect.objectContaining({ id: newWorker.workerId, pid: expect.any(Number), host: expect.any(String) }),
  ]);
  expect((await versionsOf(api, 'alice')).map((version) => version.unfinished)).toEqual([0, 3]);

  // The old version drains on the old worker, then the old deploy stops.
  writeFileSync(hold, '');
  for (const id of v1) {
    expect(await waitForTerminal(api, alice, id)).toBe('completed');
    expect((await api.tasks.result(alice, id)).result).toMatchObject({ deploy: 'v1' });
    expect(await workerOf(api, id)).toBe(oldWorker.workerId);
  }
  await oldWorker.stop();
  expect(await versionsOf(api)).toEqual([{ current: true, workers: [newWorker.workerId], unfinished: 0 }]);
});

it('a v1 task left behind when the old workers stop waits for a v1 worker; a v2 worker never runs it', async () => {
  await using harness = await startTestSystem();
  const api = harness.system;
  await using oldDeploy = await anotherSystem(harness.database.url);
  const oldWorker = await oldDeploy.startWorker({
    concurrency: 1,
    workflowsModule: GREET_V1_MODULE,
    shutdownGraceSeconds: 0,
  });
  const hold = join(mkdtempSync(join(tmpdir(), 'kg-deploy-')), 'release');
  const left = (
    await api.tasks.submit(alice, { workflow: 'greet', params: { name: 'zed', hold_file: hold } })
  ).task_id;
  await waitForStatus(api, alice, left, ['running']);

  await using newDeploy = await anotherSystem(harness.database.url);
  const newWorker = await newDeploy.startWorker({ concurrency: 2, workflowsModule: GREET_V2_MODULE });
  await apiSees(api, 'v2');
  // The old worker stops before its task finished: the task goes back to its version's queue.
  await oldWorker.stop();
  expect((await api.tasks.get(alice, left)).status).toBe('queued');
  const v2 = (await api.tasks.submit(alice, { workflow: 'greet', params: { name: 'amy', greeting: 'hey' } }))
    .task_id;
  expect(await waitForTerminal(api, alice, v2)).toBe('completed');
  expect((await api.tasks.get(alice, left)).status).toBe('queued');

  // A v1 worker comes back (a rollback, or the old deploy kept one for draining): it runs the task.
  writeFileSync(hold, '');
  await using drainer = await anotherSystem(harness.database.url);
  const v1Worker = await drainer.startWorker({ concurrency: 1, workflowsModule: GREET_V1_MODULE });
  expect(await waitForTerminal(api, alice, left)).toBe('completed');
  expect((await api.tasks.result(alice, left)).result).toEqual({ text: 'hello zed', deploy: 'v1' });
  expect(await workerOf(api, left)).toBe(v1Worker.workerId);
  expect(await workerOf(api, v2)).toBe(newWorker.workerId);
});
