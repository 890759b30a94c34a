import { sql } from 'drizzle-orm';
import { expect, it, vi } from 'vitest';
import { rowsOf } from '../src/db.ts';
import { databaseNow } from '../src/store/clock.ts';
import { storedEvents } from './fixtures/stored-events.ts';
import { admin, alice, bob, startTestSystem, WORKFLOWS_MODULE, waitFor, waitForTerminal } from './harness.ts';

const QUICK = { steps: 1, step_ms: 0 };
const LATER = '2099-01-01T00:00:00Z';

it('removes a finished task with its events, artifacts and dead letter; an unfinished one is a 409 naming its status', async () => {
  await using harness = await startTestSystem();
  const { system } = harness;
  const { tasks } = system;
  await system.startWorker({ concurrency: 2, workflowsModule: WORKFLOWS_MODULE });
  const done = await tasks.submit(alice, { workflow: 'steps', params: { ...QUICK, artifact: 'kept' } });
  const failed = await tasks.submit(alice, {
    workflow: 'steps',
    params: { ...QUICK, fail_attempts: 9 },
    max_retries: 0,
  });
  expect(await waitForTerminal(system, alice, done.task_id)).toBe('completed');
  expect(await waitForTerminal(system, alice, failed.task_id)).toBe('failed');
  expect((await tasks.get(alice, done.task_id)).artifacts).toHaveLength(1);
  const deadLetters = () => system.orchestration.deadLetters.list(alice, { limit: 200 });
  expect((await deadLetters()).items.map((item) => item.task_id)).toEqual([failed.task_id]);

  // Another owner's task is not found, as every other action on it.
  await expect(tasks.remove(bob, done.task_id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  expect(await tasks.remove(alice, done.task_id)).toEqual({ task_id: done.task_id, removed: 1 });
  await expect(tasks.get(alice, done.task_id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  expect(await storedEvents(system.context.db, done.task_id)).toEqual([]);
  const [artifacts] = rowsOf<{ n: number }>(
    await system.context.db.execute(
      sql`select count(*)::int as n from task_artifacts where task_id = ${done.task_id}`,
    ),
  );
  expect(artifacts?.n).toBe(0);

  expect(await system.context.queue.deadLetterTaskIds()).toContain(failed.task_id);
  expect(await tasks.remove(alice, failed.task_id)).toMatchObject({ removed: 1 });
  expect((await deadLetters()).items).toHaveLength(0);
  // Its dead-letter job goes too (the list above reads the task rows).
  expect(await system.context.queue.deadLetterTaskIds()).not.toContain(failed.task_id);

  const waiting = await tasks.submit(alice, { workflow: 'steps', params: QUICK, run_at: LATER });
  await expect(tasks.remove(alice, waiting.task_id)).rejects.toMatchObject({
    code: 'CONFLICT',
    message: expect.stringContaining('is scheduled'),
  });
  expect((await tasks.get(alice, waiting.task_id)).status).toBe('scheduled');
});

it('a finished task that an unfinished task depends on, or whose group has unfinished tasks, stays until they finish', async () => {
  await using harness = await startTestSystem();
  const { system } = harness;
  const { tasks } = system;
  await system.startWorker({ concurrency: 2, workflowsModule: WORKFLOWS_MODULE });
  const later = await tasks.submit(alice, { workflow: 'steps', params: QUICK, run_at: LATER });
  const dependency = await tasks.submit(alice, { workflow: 'steps', params: QUICK });
  const dependent = await tasks.submit(alice, {
    workflow: 'steps',
    params: QUICK,
    depends_on: [dependency.task_id, later.task_id],
  });
  const group = await system.orchestration.groups.create(alice, { name: 'nightly' });
  const member = await tasks.submit(alice, { workflow: 'steps', params: QUICK, group_id: group.group_id });
  const openMember = await tasks.submit(alice, {
    workflow: 'steps',
    params: QUICK,
    group_id: group.group_id,
    run_at: LATER,
  });
  expect(await waitForTerminal(system, alice, dependency.task_id)).toBe('completed');
  expect(await waitForTerminal(system, alice, member.task_id)).toBe('completed');

  for (const kept of [dependency, member]) {
    await expect(tasks.remove(alice, kept.task_id)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('still read by unfinished tasks'),
    });
  }
  expect(await tasks.clean(alice, {})).toEqual({
    removed: 0,
    task_ids: [],
    has_more: false,
    finished_before: expect.any(String),
  });

  await tasks.cancel(alice, later.task_id);
  await tasks.cancel(alice, openMember.task_id);
  expect(await waitForTerminal(system, alice, dependent.task_id)).toBe('failed');
  expect(await tasks.remove(alice, dependency.task_id)).toMatchObject({ removed: 1 });
  expect(await tasks.remove(alice, member.task_id)).toMatchObject({ removed: 1 });
});

it('a child task stays while its parent waits; removing the finished parent removes its children', async () => {
  await using harness = await startTestSystem();
  const { system } = harness;
  const { tasks } = system;
  await system.startWorker({ concurrency: 4, workflowsModule: WORKFLOWS_MODULE });
  const parent = await tasks.submit(alice, {
    workflow: 'wait_children',
    params: {
      children: [
        { workflow: 'steps', params: QUICK },
        { workflow: 'wait_signal', params: {} },
      ],
      tolerate_failures: true,
    },
  });
  const children = await waitFor(async () => {
    const listed = (await tasks.list(alice, { parent_task_id: parent.task_id, limit: 10 })).items;
    const done = listed.find((child) => child.status === 'completed');
    const open = listed.find((child) => child.workflow === 'wait_signal');
    return done && open ? { done, open } : undefined;
  }, 'one child completed beside one waiting');
  await expect(tasks.remove(alice, children.done.task_id)).rejects.toMatchObject({ code: 'CONFLICT' });
  await expect(tasks.remove(alice, parent.task_id)).rejects.toMatchObject({
    code: 'CONFLICT',
    message: expect.stringContaining('is waiting'),
  });

  await tasks.cancel(alice, children.open.task_id);
  await waitForTerminal(system, alice, parent.task_id);
  expect(await tasks.remove(alice, parent.task_id)).toEqual({ task_id: parent.task_id, removed: 3 });
  for (const child of [children.done, children.open]) {
    await expect(tasks.get(alice, child.task_id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  }
});

it("a failed parent's completed children are not cleaned: its retry by hand reuses them", async () => {
  await using harness = await startTestSystem();
  const { system } = harness;
  const { tasks } = system;
  await system.startWorker({ concurrency: 4, workflowsModule: WORKFLOWS_MODULE });
  const failing = { workflow: 'steps', params: { ...QUICK, fail_attempts: 1 } };
  const parent = await tasks.submit(alice, {
    workflow: 'wait_children',
    params: { children: [{ workflow: 'steps', params: QUICK }, failing] },
  });
  expect(await waitForTerminal(system, alice, parent.task_id)).toBe('failed');
  const [completed] = (
    await tasks.list(alice, { parent_task_id: parent.task_id, status: 'completed', limit: 10 })
  ).items;
  if (!completed) throw new Error('a completed child expected');

  // The clean of completed tasks leaves the child; removing it alone is refused, naming its parent.
  expect((await tasks.clean(alice, { status: ['completed'] })).task_ids).not.toContain(completed.task_id);
  await expect(tasks.remove(alice, completed.task_id)).rejects.toMatchObject({
    code: 'CONFLICT',
    message: `task ${completed.task_id} is a child of task ${parent.task_id}: it is removed with its parent`,
  });
  await tasks.retry(alice, parent.task_id);
  // The failing child fails again as a new task; the completed one was reused, not run again.
  expect(await waitForTerminal(system, alice, parent.task_id)).toBe('failed');
  const logs = (await storedEvents(system.context.db, parent.task_id)).flatMap((event) =>
    event.type === 'log' ? [event.message] : [],
  );
  expect(logs).toContain(
    '1 of 2 child tasks completed before this retry: their results are reused, 1 run again',
  );
});

it("a clean removes the caller's finished tasks by status and finish time, a page per call with has_more", async () => {
  await using harness = await startTestSystem();
  const { tasks } = harness.system;
  // No worker: tasks stay queued until cancelled, which finishes them.
  const cancelledOf = async (caller: typeof alice) => {
    const { task_id } = await tasks.submit(caller, { workflow: 'steps', params: QUICK });
    await tasks.cancel(caller, task_id);
    return task_id;
  };
  const alices = [await cancelledOf(alice), await cancelledOf(alice), await cancelledOf(alice)];
  const bobs = await cancelledOf(bob);
  const queued = await tasks.submit(alice, { workflow: 'steps', params: QUICK });

  expect(await tasks.clean(alice, { finished_before: '2000-01-01T00:00:00Z' })).toMatchObject({ removed: 0 });
  expect(await tasks.clean(alice, { status: ['completed', 'failed'] })).toMatchObject({ removed: 0 });
  const first = await tasks.clean(alice, { status: ['cancelled'], limit: 2 });
  expect(first).toEqual({
    removed: 2,
    task_ids: alices.slice(0, 2),
    has_more: true,
    finished_before: expect.any(String),
  });
  // The cutoff the first call took (the server's now) bounds the next: a task finished since stays.
  const since = await cancelledOf(alice);
  expect(await tasks.clean(alice, { limit: 2, finished_before: first.finished_before })).toEqual({
    removed: 1,
    task_ids: alices.slice(2),
    has_more: false,
    finished_before: first.finished_before,
  });
  expect((await tasks.get(alice, since)).status).toBe('cancelled');
  // Bob's finished task and Alice's queued one are untouched; an admin's clean takes every owner's.
  expect((await tasks.get(bob, bobs)).status).toBe('cancelled');
  expect((await tasks.get(alice, queued.task_id)).status).toBe('queued');
  expect(await tasks.clean(admin, {})).toMatchObject({
    removed: 2,
    task_ids: [bobs, since],
    has_more: false,
  });
  expect((await tasks.list(alice, { limit: 10 })).items.map((task) => task.task_id)).toEqual([
    queued.task_id,
  ]);
});

it("a clean without a cutoff takes the database's now, not the api host's clock", async () => {
  await using harness = await startTestSystem();
  const { system } = harness;
  const { tasks } = system;
  const { task_id } = await tasks.submit(alice, { workflow: 'steps', params: QUICK });
  await tasks.cancel(alice, task_id);
  const before = await databaseNow(system.context.db);
  // The api host's clock an hour behind the database's: a task finished just now still goes.
  vi.useFakeTimers({ toFake: ['Date'], now: before.getTime() - 3_600_000 });
  let cleaned: Awaited<ReturnType<typeof tasks.clean>>;
  try {
    cleaned = await tasks.clean(alice, {});
  } finally {
    vi.useRealTimers();
  }
  const after = await databaseNow(system.context.db);
  expect(cleaned).toMatchObject({ removed: 1, task_ids: [task_id], has_more: false });
  const cutoff = new Date(cleaned.finished_before).getTime();
  expect(cutoff).toBeGreaterThanOrEqual(before.getTime());
  expect(cutoff).toBeLessThanOrEqual(after.getTime());
});
