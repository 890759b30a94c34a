import { describe, expect, it } from 'vitest';
import { catalog, ORCHESTRATION_WORKFLOWS_MODULE } from './fixtures/orchestration-workflows.ts';
import { alice, bob, startTestSystem, useSystemWithWorker, waitFor, waitForTerminal } from './harness.ts';

const harness = useSystemWithWorker(
  { concurrency: 4, workflowsModule: ORCHESTRATION_WORKFLOWS_MODULE, pollIntervalMs: 200 },
  { catalog },
);

/** Submits `flaky` (one retry) failing its first `failAttempts` attempts; resolves once it is a dead letter. */
async function deadLetter(failAttempts: number, caller = alice): Promise<string> {
  const { task_id } = await harness.system.tasks.submit(caller, {
    workflow: 'flaky',
    params: { fail_attempts: failAttempts },
    priority: 'normal',
  });
  expect(await waitForTerminal(harness.system, caller, task_id)).toBe('failed');
  await waitFor(async () => {
    const list = await harness.system.orchestration.deadLetters.list(caller, { limit: 200 });
    return list.items.some((item) => item.task_id === task_id);
  }, `task ${task_id} in the dead-letter queue`);
  return task_id;
}

describe('dead letters', () => {
  it('lists every failed task with its reason: a non-retriable error, a failed dependency', async () => {
    const { tasks, orchestration } = harness.system;
    const { deadLetters } = orchestration;
    const head = await tasks.submit(alice, { workflow: 'analyze', params: { fail: true, wait_ms: 300 } });
    const dependent = await tasks.submit(alice, {
      workflow: 'report',
      params: {},
      depends_on: [head.task_id],
    });
    const refused = await tasks.submit(alice, {
      workflow: 'analyze',
      params: { non_retriable: true },
      max_retries: 3,
    });
    for (const { task_id } of [head, dependent, refused]) {
      expect(await waitForTerminal(harness.system, alice, task_id)).toBe('failed');
    }
    const listed = await waitFor(async () => {
      const items = (await deadLetters.list(alice, { limit: 200 })).items;
      const ids = [head, dependent, refused].map((task) => task.task_id);
      return ids.every((id) => items.some((item) => item.task_id === id)) ? items : undefined;
    }, 'the three failed tasks in the dead-letter list');
    const byId = new Map(listed.map((item) => [item.task_id, item]));
    expect(byId.get(head.task_id)?.error).toMatchObject({ message: 'analysis failed on purpose' });
    expect(byId.get(dependent.task_id)?.error).toMatchObject({ code: 'DEPENDENCY_FAILED' });
    expect(byId.get(refused.task_id)).toMatchObject({
      attempt: 1,
      max_retries: 3,
      error: { code: 'INVALID_PARAMS', message: 'input cannot be analysed' },
    });
    // The dependent cannot run while its dependency is failed: CONFLICT alone, left listed by redrive all.
    await expect(deadLetters.redrive(alice, dependent.task_id)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await deadLetters.redriveAll(alice, { workflow: 'report' })).toEqual({
      redriven: 0,
      task_ids: [],
      has_more: false,
    });
    expect((await deadLetters.list(alice, { workflow: 'report' })).items.map((i) => i.task_id)).toContain(
      dependent.task_id,
    );
  });

  it('lists a task that exhausted its retries with its last error and attempt history; redrive completes it', async () => {
    const { deadLetters } = harness.system.orchestration;
    const taskId = await deadLetter(2);
    const list = await deadLetters.list(alice, { workflow: 'flaky' });
    const item = list.items.find((candidate) => candidate.task_id === taskId);
    expect(item).toMatchObject({
      workflow: 'flaky',
      status: 'failed',
      attempt: 2,
      max_retries: 1,
      error: { code: 'WORKFLOW_ERROR', message: 'attempt 2 fails' },
    });
    // The list leaves params out, as tasks.list does; the task's own view has them.
    expect(item).not.toHaveProperty('params');
    expect((await harness.system.tasks.get(alice, taskId)).params).toEqual({ fail_attempts: 2 });
    expect(item?.attempts.map((attempt) => [attempt.attempt, attempt.error?.message])).toEqual([
      [1, 'attempt 1 fails'],
      [2, 'attempt 2 fails'],
    ]);
    expect(item?.failed_at).not.toBeNull();

    // Not bob's to see or redrive.
    expect((await deadLetters.list(bob, {})).items.map((entry) => entry.task_id)).not.toContain(taskId);
    await expect(deadLetters.redrive(bob, taskId)).rejects.toMatchObject({ code: 'NOT_FOUND' });

    expect(await deadLetters.redrive(alice, taskId)).toEqual({ task_id: taskId, status: 'queued' });
    expect((await deadLetters.list(alice, {})).items.map((entry) => entry.task_id)).not.toContain(taskId);
    expect(await waitForTerminal(harness.system, alice, taskId)).toBe('completed');
    const view = await harness.system.tasks.get(alice, taskId);
    expect(view).toMatchObject({ status: 'completed', attempt: 3, result: { attempt: 3 }, error: null });
    await expect(deadLetters.redrive(alice, taskId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('purge removes the dead letter and leaves the task failed', async () => {
    const { deadLetters } = harness.system.orchestration;
    const taskId = await deadLetter(9);
    expect(await deadLetters.purge(alice, taskId)).toEqual({ task_id: taskId, purged: true });
    expect((await deadLetters.list(alice, {})).items.map((entry) => entry.task_id)).not.toContain(taskId);
    expect((await harness.system.tasks.get(alice, taskId)).status).toBe('failed');
    await expect(deadLetters.purge(alice, taskId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('redriveAll with a limit skips dead letters that cannot run, so each call makes progress', async () => {
    const { tasks, orchestration } = harness.system;
    const frank = { owner: 'frank', admin: false };
    const runnable = await deadLetter(2, frank);
    // Newer, and stuck: its dependency was cancelled.
    const head = await tasks.submit(frank, { workflow: 'analyze', params: { wait_ms: 60_000 } });
    const stuck = await tasks.submit(frank, { workflow: 'report', params: {}, depends_on: [head.task_id] });
    await tasks.cancel(frank, head.task_id);
    expect(await waitForTerminal(harness.system, frank, stuck.task_id)).toBe('failed');
    const charged: number[] = [];
    const spend = async (count: number) => {
      charged.push(count);
    };
    // The stuck one is not more to redrive: a caller that calls again while has_more holds stops here.
    expect(await orchestration.deadLetters.redriveAll(frank, { limit: 1 }, spend)).toEqual({
      redriven: 1,
      task_ids: [runnable],
      has_more: false,
    });
    expect(await orchestration.deadLetters.redriveAll(frank, { limit: 1 }, spend)).toEqual({
      redriven: 0,
      task_ids: [],
      has_more: false,
    });
    // Charged for what was redriven, not for what was looked at.
    expect(charged).toEqual([1]);
  });

  it('redriveAll says whether more dead letters of its filter remain, so a caller knows to call again', async () => {
    const { deadLetters } = harness.system.orchestration;
    const gail = { owner: 'gail', admin: false };
    const oldest = [await deadLetter(2, gail), await deadLetter(2, gail)];
    const newest = await deadLetter(2, gail);
    const hugh = { owner: 'hugh', admin: false };
    const other = await deadLetter(2, hugh);
    const first = await deadLetters.redriveAll(gail, { limit: 2 });
    expect(first).toEqual({ redriven: 2, task_ids: expect.any(Array), has_more: true });
    expect([...first.task_ids].sort()).toEqual([...oldest].sort());
    // hugh's dead letter is not gail's to redrive: it is not more for her.
    expect(await deadLetters.redriveAll(gail, { limit: 1 })).toEqual({
      redriven: 1,
      task_ids: [newest],
      has_more: false,
    });
    expect(await deadLetters.redriveAll(hugh, { workflow: 'report' })).toMatchObject({ has_more: false });
    expect(await deadLetters.redriveAll(hugh, { workflow: 'flaky' })).toEqual({
      redriven: 1,
      task_ids: [other],
      has_more: false,
    });
  });

  it('redriveAll runs every visible dead letter again', async () => {
    const { deadLetters } = harness.system.orchestration;
    const mine = [await deadLetter(2), await deadLetter(2)];
    const bobs = await deadLetter(2, bob);
    const redriven = await deadLetters.redriveAll(alice, { workflow: 'flaky' });
    expect([...redriven.task_ids].sort()).toEqual([...mine].sort());
    expect(redriven.redriven).toBe(2);
    for (const taskId of mine) expect(await waitForTerminal(harness.system, alice, taskId)).toBe('completed');
    expect((await harness.system.tasks.get(bob, bobs)).status).toBe('failed');
    expect((await deadLetters.list(bob, {})).items.map((entry) => entry.task_id)).toEqual([bobs]);
  });

  it("a redrive counts against the owner's max_queue_size: QUEUE_FULL at the limit, nothing changed", async () => {
    await using small = await startTestSystem({ catalog, maxQueueSize: 2 });
    const { system } = small;
    await system.startWorker({
      concurrency: 2,
      workflowsModule: ORCHESTRATION_WORKFLOWS_MODULE,
      pollIntervalMs: 200,
    });
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'flaky',
      params: { fail_attempts: 9 },
      priority: 'normal',
    });
    expect(await waitForTerminal(system, alice, task_id)).toBe('failed');
    await waitFor(
      async () => (await system.orchestration.deadLetters.list(alice, {})).items.length === 1,
      'the dead letter',
    );
    // Two tasks that wait an hour fill alice's queue.
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const waiting = await system.tasks.submitMany(alice, [
      { workflow: 'flaky', params: { fail_attempts: 0 }, priority: 'normal', run_at: later },
      { workflow: 'flaky', params: { fail_attempts: 0 }, priority: 'normal', run_at: later },
    ]);
    await expect(system.orchestration.deadLetters.redrive(alice, task_id)).rejects.toMatchObject({
      code: 'QUEUE_FULL',
    });
    await expect(system.orchestration.deadLetters.redriveAll(alice, {})).rejects.toMatchObject({
      code: 'QUEUE_FULL',
    });
    expect((await system.tasks.get(alice, task_id)).status).toBe('failed');
    expect(
      (await system.orchestration.deadLetters.list(alice, {})).items.map((item) => item.task_id),
    ).toEqual([task_id]);
    await system.tasks.cancel(alice, waiting.tasks[0]?.task_id ?? '');
    expect(await system.orchestration.deadLetters.redrive(alice, task_id)).toEqual({
      task_id,
      status: 'queued',
    });
  });
});
