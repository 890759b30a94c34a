import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskEvent } from '@kaygraph/contracts';
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { rowsOf } from '../src/db.ts';
import { versionRecordOf } from '../src/registry/workflow-version.ts';
import type { TaskSystem } from '../src/system.ts';
import { APPROVAL_V2_MODULE } from './fixtures/approval-v2.ts';
import { approvalCatalog } from './fixtures/approval-versions.ts';
import { waitingOnStoppedV1 } from './fixtures/approval-waiting.ts';
import { greetCatalog } from './fixtures/greet.ts';
import { GREET_V1_MODULE } from './fixtures/greet-v1.ts';
import { GREET_V3_MODULE } from './fixtures/greet-v3.ts';
import { catalog as keyedCatalog } from './fixtures/keyed-workflows.ts';
import { admin, alice, anotherSystem, startTestSystem, waitFor, waitForTerminal } from './harness.ts';

/**
 * An upgrade that stops every worker of a workflow version leaves its unfinished tasks waiting for a
 * worker that never comes; an admin moves them to the current version. The harness's system plays the
 * api (no workflow code); each deploy is a task system of its own, as a separate process would be.
 */

function greetVersion(deploy: 'v1' | 'v3'): string {
  const greet = greetCatalog(deploy).get('greet');
  if (!greet) throw new Error('no greet workflow');
  return versionRecordOf(greet).version;
}

function resolvesTo(api: TaskSystem, name: string, version: string): Promise<true> {
  return waitFor(
    async () => (await api.workflows.resolve([name])).get(name)?.version === version,
    `${name} to resolve to version ${version}`,
  );
}

async function jobIdOf(api: TaskSystem, taskId: string): Promise<string> {
  const [row] = rowsOf<{ job_id: string }>(
    await api.context.db.execute(sql`select job_id from tasks where id = ${taskId}`),
  );
  if (!row) throw new Error(`no task ${taskId}`);
  return row.job_id;
}

/** Every event of a finished task, in order. */
async function eventsOf(api: TaskSystem, taskId: string): Promise<TaskEvent[]> {
  const events: TaskEvent[] = [];
  for await (const event of api.tasks.events(alice, taskId, { afterSeq: 0 })) events.push(event);
  return events;
}

it("moves a stopped version's queued, scheduled and blocked tasks to the current version, whose workers run them; tasks whose params it refuses stay", async () => {
  await using harness = await startTestSystem({ catalog: greetCatalog('v1') });
  const api = harness.system;
  const [v1, v3] = [greetVersion('v1'), greetVersion('v3')];
  const submit = async (params: Record<string, unknown>, more: object = {}) =>
    (await api.tasks.submit(alice, { workflow: 'greet', params, ...more })).task_id;
  const queued = await submit({ name: 'ada' });
  const runAt = new Date(Date.now() + 3_600_000).toISOString();
  const scheduled = await submit({ name: 'sam' }, { run_at: runAt });
  const blocked = await submit({ name: 'bea' }, { depends_on: [queued] });
  const tooShort = await submit({ name: 'x' });
  const scheduledJob = await jobIdOf(api, scheduled);

  // The upgrade: v3 registers; every v1 worker is gone (none ever ran here).
  await api.publishWorkflows(greetCatalog('v3'));
  await resolvesTo(api, 'greet', v3);

  await expect(api.tasks.moveVersionTasks(alice, { name: 'greet', version: v1 })).rejects.toMatchObject({
    code: 'FORBIDDEN',
  });
  const move = await api.tasks.moveVersionTasks(admin, { name: 'greet', version: v1 });
  expect(move).toEqual({
    workflow: 'greet',
    from_version: v1,
    to_version: v3,
    moved: 3,
    kept_total: 1,
    kept: [
      {
        task_id: tooShort,
        status: 'queued',
        reason: 'params_invalid',
        message: expect.stringContaining('params.name'),
      },
    ],
  });
  for (const id of [queued, scheduled, blocked]) {
    const task = await api.tasks.get(alice, id);
    expect(task.workflow_version).toBe(v3);
    // The current version's defaults are applied.
    expect(task.params).toMatchObject({ greeting: 'hello' });
  }
  expect((await api.tasks.get(alice, tooShort)).workflow_version).toBe(v1);
  expect((await api.tasks.get(alice, scheduled)).status).toBe('scheduled');
  expect((await api.tasks.get(alice, blocked)).status).toBe('blocked');
  // The scheduled task's old job is cancelled; its new one, in v3's queue, starts at its run_at.
  expect((await api.context.queue.findJob({ workflow: 'greet', version: v1 }, scheduledJob))?.state).toBe(
    'cancelled',
  );
  const newJob = await api.context.queue.findJob(
    { workflow: 'greet', version: v3 },
    await jobIdOf(api, scheduled),
  );
  expect(newJob?.startAfter.toISOString()).toBe(runAt);

  // A v3 worker runs the moved tasks (the blocked one once its dependency completed).
  await using newDeploy = await anotherSystem(harness.database.url);
  await newDeploy.startWorker({ concurrency: 2, workflowsModule: GREET_V3_MODULE });
  for (const id of [queued, blocked]) {
    expect(await waitForTerminal(api, alice, id)).toBe('completed');
    expect((await api.tasks.result(alice, id)).result).toMatchObject({ deploy: 'v3' });
  }
  expect((await api.tasks.result(alice, queued)).result).toEqual({ text: 'hello ada', deploy: 'v3' });
  expect(await eventsOf(api, queued)).toContainEqual(
    expect.objectContaining({
      type: 'log',
      message: `moved from version ${v1} to version ${v3} of workflow "greet"`,
    }),
  );

  // What stays is reported again; the current version itself, and a version never registered, refuse.
  expect(await api.tasks.moveVersionTasks(admin, { name: 'greet', version: v1 })).toMatchObject({
    moved: 0,
    kept_total: 1,
  });
  await expect(api.tasks.moveVersionTasks(admin, { name: 'greet', version: v3 })).rejects.toMatchObject({
    code: 'CONFLICT',
    message: expect.stringContaining('is the current version'),
  });
  await expect(api.tasks.moveVersionTasks(admin, { name: 'greet', version: 'nope' })).rejects.toMatchObject({
    code: 'NOT_FOUND',
  });

  // A v1 worker back: the version is served again, so its tasks stay, and that worker runs them.
  await using oldDeploy = await anotherSystem(harness.database.url);
  await oldDeploy.startWorker({ concurrency: 1, workflowsModule: GREET_V1_MODULE });
  expect(await waitForTerminal(api, alice, tooShort)).toBe('completed');
  await expect(api.tasks.moveVersionTasks(admin, { name: 'greet', version: v1 })).rejects.toMatchObject({
    code: 'CONFLICT',
    message: expect.stringContaining('still has 1 live worker'),
  });
  expect((await api.tasks.get(alice, scheduled)).status).toBe('scheduled');
});

it('a retry waiting out its backoff moves with include_checkpoints and runs at once, as its view says', async () => {
  await using harness = await startTestSystem({ catalog: greetCatalog('v1') });
  const api = harness.system;
  const [v1, v3] = [greetVersion('v1'), greetVersion('v3')];
  const failFile = join(mkdtempSync(join(tmpdir(), 'kg-move-')), 'fail');
  writeFileSync(failFile, '');
  await using oldDeploy = await anotherSystem(harness.database.url);
  const oldWorker = await oldDeploy.startWorker({ concurrency: 1, workflowsModule: GREET_V1_MODULE });
  const { task_id } = await api.tasks.submit(alice, {
    workflow: 'greet',
    params: { name: 'ada', fail_file: failFile },
    max_retries: 1,
    retry_delay: 3600,
  });
  await waitFor(
    async () => (await api.tasks.get(alice, task_id)).error !== null,
    'the first attempt to fail',
  );
  const waiting = await api.tasks.get(alice, task_id);
  expect(waiting.status).toBe('queued');
  expect(Date.parse(waiting.run_at ?? '')).toBeGreaterThan(Date.now());
  await oldWorker.stop();
  await api.publishWorkflows(greetCatalog('v3'));
  await resolvesTo(api, 'greet', v3);

  const move = { name: 'greet', version: v1, include_checkpoints: true };
  expect(await api.tasks.moveVersionTasks(admin, move)).toMatchObject({ to_version: v3, moved: 1 });
  const moved = await api.tasks.get(alice, task_id);
  // Its new job starts now: no longer an hour or two ahead.
  expect(Date.parse(moved.run_at ?? '')).toBeLessThanOrEqual(Date.now());
  rmSync(failFile);
  await using newDeploy = await anotherSystem(harness.database.url);
  await newDeploy.startWorker({ concurrency: 1, workflowsModule: GREET_V3_MODULE });
  expect(await waitForTerminal(api, alice, task_id)).toBe('completed');
});

it('a waiting task moves only with include_checkpoints, and resumes on the current version', async () => {
  await using waiting = await waitingOnStoppedV1();
  const { system: api, taskId: task_id } = waiting;
  await api.publishWorkflows(approvalCatalog('2'));
  await resolvesTo(api, 'wait_signal_inline', '2');

  const input = { name: 'wait_signal_inline', version: '1' };
  expect(await api.tasks.moveVersionTasks(admin, input)).toMatchObject({
    moved: 0,
    kept: [{ task_id, status: 'waiting', reason: 'resumes_from_checkpoint' }],
  });
  expect(await api.tasks.moveVersionTasks(admin, { ...input, include_checkpoints: true })).toMatchObject({
    moved: 1,
    kept_total: 0,
  });
  const moved = await api.tasks.get(alice, task_id);
  expect(moved).toMatchObject({ status: 'waiting', workflow_version: '2', wait: { signal: 'approval' } });

  await using newDeploy = await anotherSystem(waiting.databaseUrl);
  await newDeploy.startWorker({ concurrency: 1, workflowsModule: APPROVAL_V2_MODULE });
  await api.tasks.signal(alice, { task_id, name: 'approval', payload: { approved: true } });
  expect(await waitForTerminal(api, alice, task_id)).toBe('completed');
  expect((await api.tasks.result(alice, task_id)).result).toMatchObject({ decision: 'approved' });
});

it('keeps a task with a concurrency key on its version when the current one declares no per-key limit', async () => {
  await using harness = await startTestSystem({ catalog: keyedCatalog });
  const api = harness.system;
  const limited = keyedCatalog.get('keyed');
  if (!limited) throw new Error('no keyed workflow');
  const from = versionRecordOf(limited).version;
  const submit = async (more: object) =>
    (await api.tasks.submit(alice, { workflow: 'keyed', params: {}, ...more })).task_id;
  const keyed = await submit({ concurrency_key: 'account-42' });
  const plain = await submit({});

  // The upgrade drops the limit: a key on the new version would limit nothing.
  const unlimited = { ...limited, defaults: { ...limited.defaults, concurrency_per_key: null } };
  await api.publishWorkflows({ get: () => unlimited, list: () => [unlimited] });
  await resolvesTo(api, 'keyed', versionRecordOf(unlimited).version);

  const move = await api.tasks.moveVersionTasks(admin, { name: 'keyed', version: from });
  expect(move).toMatchObject({
    moved: 1,
    kept_total: 1,
    kept: [
      { task_id: keyed, reason: 'key_unlimited', message: expect.stringContaining('concurrency_per_key') },
    ],
  });
  expect((await api.tasks.get(alice, keyed)).workflow_version).toBe(from);
  expect((await api.tasks.get(alice, plain)).workflow_version).toBe(versionRecordOf(unlimited).version);
});
