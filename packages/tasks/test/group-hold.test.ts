import { describe, expect, it } from 'vitest';
import { alice, bob, queueOf, useSystemWithWorker, waitFor, waitForTerminal } from './harness.ts';

const harness = useSystemWithWorker({ concurrency: 2, pollIntervalMs: 200 }, { maxQueueSize: 4 });

const quick = { workflow: 'steps', params: { steps: 1, step_ms: 0 } };

describe('groups: create, add tasks held, execute', () => {
  it('holds added tasks (no job) until execute, then runs them, a chain inside the group too', async () => {
    const { groups } = harness.system.orchestration;
    const { tasks, context } = harness.system;
    const group = await groups.create(alice, { name: 'spec flow' });
    const [first] = (await groups.addTasks(alice, { group_id: group.group_id, tasks: [quick] })).tasks;
    const firstId = first?.task_id ?? '';
    const added = await groups.addTasks(alice, {
      group_id: group.group_id,
      tasks: [quick, { ...quick, depends_on: [firstId] }],
    });
    expect(first?.status).toBe('pending');
    expect(added.tasks.map((task) => task.status)).toEqual(['pending', 'blocked']);
    expect(await context.queue.findJob(queueOf('steps'), firstId)).toBeNull();
    expect(await groups.get(alice, { group_id: group.group_id })).toMatchObject({
      status: 'pending',
      total: 3,
    });
    // Held tasks are not started yet, but no worker could pick them up (autoscalers read queue_depth).
    expect(await tasks.metrics(alice, { windowSeconds: 60 })).toMatchObject({
      tasks_pending: 3,
      queue_depth: 0,
    });
    // Held tasks count against the queue: 3 of 4 are taken.
    await expect(
      groups.addTasks(alice, { group_id: group.group_id, tasks: [quick, quick] }),
    ).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    await expect(groups.execute(bob, group.group_id)).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const executed = await groups.execute(alice, group.group_id);
    expect(executed).toMatchObject({ group_id: group.group_id, released: 2 });
    const ids = [firstId, ...added.tasks.map((task) => task.task_id)];
    for (const id of ids) expect(await waitForTerminal(harness.system, alice, id)).toBe('completed');
    expect(await groups.get(alice, { group_id: group.group_id })).toMatchObject({
      status: 'completed',
      total: 3,
    });
    const chained = await tasks.get(alice, ids[2] ?? '');
    const head = await tasks.get(alice, firstId);
    expect(Date.parse(chained.started_at ?? '')).toBeGreaterThanOrEqual(Date.parse(head.completed_at ?? ''));
    expect(await groups.execute(alice, group.group_id)).toMatchObject({ released: 0, status: 'completed' });
  });

  it('a group whose tasks are all held is pending; cancelling it cancels them', async () => {
    const { groups } = harness.system.orchestration;
    const group = await groups.create(alice, { name: 'held then cancelled' });
    const { tasks } = await groups.addTasks(alice, { group_id: group.group_id, tasks: [quick] });
    expect(await groups.get(alice, { group_id: group.group_id })).toMatchObject({
      status: 'pending',
      total: 1,
    });
    expect(await groups.cancel(alice, group.group_id)).toMatchObject({ cancelled: 1 });
    const id = tasks[0]?.task_id ?? '';
    await waitFor(async () => (await harness.system.tasks.get(alice, id)).status === 'cancelled', 'cancel');
    await expect(groups.execute(alice, group.group_id)).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
