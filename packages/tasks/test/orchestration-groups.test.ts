import type { GroupEvent, GroupSummary } from '@kaygraph/contracts';
import { describe, expect, it } from 'vitest';
import { streamGroupEvents } from '../src/orchestration/group-stream.ts';
import { catalog, ORCHESTRATION_WORKFLOWS_MODULE } from './fixtures/orchestration-workflows.ts';
import { alice, bob, useSystemWithWorker, waitFor, waitForStatus } from './harness.ts';

const harness = useSystemWithWorker(
  { concurrency: 4, workflowsModule: ORCHESTRATION_WORKFLOWS_MODULE, pollIntervalMs: 200 },
  { catalog },
);

describe('task groups', () => {
  it('a group of 50 reports aggregate progress and ends partially_failed when one fails', async () => {
    const { groups } = harness.system.orchestration;
    const created = await groups.create(alice, {
      name: 'batch_processing',
      tasks: Array.from({ length: 50 }, (_, item) => ({
        workflow: 'work',
        params: { item, steps: 3, step_ms: 10, fail: item === 17 },
      })),
    });
    expect(created.tasks).toHaveLength(50);

    const summaries: GroupSummary[] = [];
    let taskEvents = 0;
    for await (const event of groups.events(alice, created.group_id, {}) as AsyncIterable<GroupEvent>) {
      if (event.type === 'group') summaries.push(event.group);
      else taskEvents++;
    }
    const last = summaries.at(-1);
    expect(last).toMatchObject({
      status: 'partially_failed',
      total: 50,
      progress: 100,
      counts: { completed: 49, failed: 1, running: 0, queued: 0 },
    });
    expect(last?.completed_at).not.toBeNull();
    expect(taskEvents).toBeGreaterThan(50);
    // Aggregate progress only grows, through values between 0 and 100.
    const progress = summaries.map((summary) => summary.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.some((value) => value > 0 && value < 100)).toBe(true);

    const view = await groups.get(alice, { group_id: created.group_id });
    expect(view.status).toBe('partially_failed');
    expect(view.tasks).toHaveLength(50);
    const failed = view.tasks.filter((task) => task.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.error?.message).toBe('item 17 failed on purpose');
    const results = view.tasks.filter((task) => task.status === 'completed').map((task) => task.result);
    expect(results).toContainEqual({ item: 0 });
    expect(results).toHaveLength(49);

    const listed = await harness.system.tasks.list(alice, { group_id: created.group_id, limit: 100 });
    expect(listed.items).toHaveLength(50);
  });

  it('a task that logs many lines brings no summary of its own: only its status changes do', async () => {
    const { system } = harness;
    const group = await system.orchestration.groups.create(alice, {
      name: 'chatty',
      tasks: [{ workflow: 'work', params: { item: 1, steps: 50, step_ms: 20, log: true } }],
    });
    const summaries: GroupSummary[] = [];
    let logs = 0;
    // Progress summaries coalesced over an interval longer than the test: only a status change may bring
    // one at once (queued or running at the start, running, completed).
    const stream = streamGroupEvents(system.context, system.events, alice, group.group_id, {
      summaryIntervalMs: 3_600_000,
    });
    for await (const event of stream) {
      if (event.type === 'group') summaries.push(event.group);
      else if (event.event.type === 'log') logs++;
    }
    expect(logs).toBe(50);
    expect(summaries.at(-1)).toMatchObject({ status: 'completed', progress: 100 });
    expect(summaries.length).toBeLessThanOrEqual(3);
  });

  it('completed when all complete; tasks can join on submit; groups list newest first', async () => {
    const { groups } = harness.system.orchestration;
    const empty = await groups.create(alice, { name: 'joined later' });
    expect((await groups.get(alice, { group_id: empty.group_id })).status).toBe('pending');
    const joined = await harness.system.tasks.submit(alice, {
      workflow: 'work',
      params: { item: 1 },
      priority: 'normal',
      group_id: empty.group_id,
    });
    await waitForStatus(harness.system, alice, joined.task_id, ['completed']);
    const view = await groups.get(alice, { group_id: empty.group_id });
    expect(view).toMatchObject({ status: 'completed', total: 1, progress: 100 });
    expect(view.tasks[0]).toMatchObject({ task_id: joined.task_id, result: { item: 1 } });
    const page = await groups.list(alice, { limit: 1 });
    expect(page.items[0]?.group_id).toBe(empty.group_id);
    expect(page.next_cursor).not.toBeNull();
    const next = await groups.list(alice, { limit: 50, cursor: page.next_cursor ?? undefined });
    expect(next.items.map((group) => group.group_id)).not.toContain(empty.group_id);
  });

  it('lists its tasks and their results in the order they were given', async () => {
    const { groups } = harness.system.orchestration;
    const items = [5, 3, 8, 1, 9, 2, 7, 4];
    const group = await groups.create(alice, {
      name: 'in order',
      tasks: items.map((item) => ({ workflow: 'work', params: { item }, priority: 'normal' as const })),
    });
    for (const task of group.tasks) await waitForStatus(harness.system, alice, task.task_id, ['completed']);
    const view = await groups.get(alice, { group_id: group.group_id });
    expect(view.tasks.map((task) => task.task_id)).toEqual(group.tasks.map((task) => task.task_id));
    expect(view.tasks.map((task) => task.result)).toEqual(items.map((item) => ({ item })));
  });

  it('is created atomically: one invalid task stores nothing', async () => {
    const { groups } = harness.system.orchestration;
    const before = await groups.list(bob, {});
    await expect(
      groups.create(bob, {
        name: 'half valid',
        tasks: [
          { workflow: 'work', params: { item: 1 } },
          { workflow: 'work', params: { item: 'two' } },
        ],
      }),
    ).rejects.toMatchObject({ code: 'INVALID_PARAMS', issues: [{ path: 'tasks.1.params.item' }] });
    expect((await groups.list(bob, {})).items).toHaveLength(before.items.length);
    expect((await harness.system.tasks.list(bob, { limit: 50 })).items).toHaveLength(0);
  });

  it('an idempotency key held by a task outside the group is a conflict that stores nothing', async () => {
    const { groups } = harness.system.orchestration;
    const carol = { owner: 'carol', admin: false };
    const outside = await harness.system.tasks.submit(carol, {
      workflow: 'work',
      params: { item: 1 },
      priority: 'normal',
      idempotency_key: 'report-1',
    });
    const keyed = { workflow: 'work', params: { item: 1 }, idempotency_key: 'report-1' };
    // It names the task holding the key, not the group, which was rolled back and never existed.
    await expect(groups.create(carol, { name: 'reports', tasks: [keyed] })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: `idempotency key "report-1" is held by task ${outside.task_id}, which is not in this group`,
      issues: [{ path: 'idempotency_key' }],
    });
    expect((await groups.list(carol, {})).items).toHaveLength(0);

    const group = await groups.create(carol, {
      name: 'reports',
      tasks: [{ ...keyed, idempotency_key: 'report-2' }],
    });
    const [member] = group.tasks;
    await expect(groups.addTasks(carol, { group_id: group.group_id, tasks: [keyed] })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    // Within its own group the key names its task, as anywhere else.
    const again = await groups.addTasks(carol, {
      group_id: group.group_id,
      tasks: [{ ...keyed, idempotency_key: 'report-2' }],
    });
    expect(again.tasks).toMatchObject([{ task_id: member?.task_id, deduplicated: true }]);
    // Its task's key with other params is new work under an old name: refused, naming the key.
    await expect(
      groups.addTasks(carol, {
        group_id: group.group_id,
        tasks: [{ ...keyed, params: { item: 9 }, idempotency_key: 'report-2' }],
      }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
      message:
        `idempotency key "report-2" is held by task ${member?.task_id}, submitted with other params ` +
        `("item" differs, compared with the workflow's defaults applied): send the params of the key's ` +
        'first use, or use a new key',
    });
    await expect(
      groups.create(carol, { name: 'reports', tasks: [{ ...keyed, params: { item: 9 } }] }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await groups.get(carol, { group_id: group.group_id })).tasks.map((task) => task.task_id)).toEqual(
      [member?.task_id],
    );
    expect((await harness.system.tasks.get(carol, outside.task_id)).group_id).toBeNull();
    // The same within one batch: a key's first task is outside the group, its second use names the group.
    await expect(
      harness.system.tasks.submitMany(carol, [
        { workflow: 'work', params: { item: 2 }, priority: 'normal', idempotency_key: 'report-3' },
        {
          workflow: 'work',
          params: { item: 2 },
          priority: 'normal',
          idempotency_key: 'report-3',
          group_id: group.group_id,
        },
      ]),
    ).rejects.toMatchObject({ code: 'CONFLICT', issues: [{ path: 'tasks.1.idempotency_key' }] });
  });

  it('a retry of its failed task reopens a partially_failed group, which then completes', async () => {
    const { groups } = harness.system.orchestration;
    const created = await groups.create(alice, {
      name: 'retried',
      tasks: [
        { workflow: 'work', params: { item: 1, steps: 1, step_ms: 0 } },
        { workflow: 'flaky', params: { fail_attempts: 1 }, max_retries: 0 },
      ],
    });
    const flaky = created.tasks[1]?.task_id ?? '';
    await waitFor(
      async () => (await groups.get(alice, { group_id: created.group_id })).status === 'partially_failed',
      'the group to end partially_failed',
    );
    expect(await harness.system.tasks.retry(alice, flaky)).toEqual({ task_id: flaky, status: 'queued' });
    const reopened = await groups.get(alice, { group_id: created.group_id });
    expect(['running', 'completed']).toContain(reopened.status);
    await waitForStatus(harness.system, alice, flaky, ['completed']);
    const view = await groups.get(alice, { group_id: created.group_id });
    expect(view).toMatchObject({ status: 'completed', counts: { completed: 2, failed: 0 } });
    expect(view.completed_at).not.toBeNull();
  });

  it('cancel stops every unfinished task of the group; others cannot see it', async () => {
    const { groups } = harness.system.orchestration;
    const created = await groups.create(alice, {
      name: 'to cancel',
      tasks: Array.from({ length: 6 }, (_, item) => ({
        workflow: 'work',
        params: { item, steps: 100, step_ms: 200 },
      })),
    });
    await waitFor(async () => {
      const view = await groups.get(alice, { group_id: created.group_id });
      return view.counts.running > 0;
    }, 'a running task in the group');
    await expect(groups.get(bob, { group_id: created.group_id })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(groups.cancel(bob, created.group_id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const cancelled = await groups.cancel(alice, created.group_id);
    expect(cancelled).toEqual({ group_id: created.group_id, status: 'cancelled', cancelled: 6 });
    const view = await groups.get(alice, { group_id: created.group_id });
    expect(view.status).toBe('cancelled');
    expect(view.counts.cancelled).toBe(6);
    expect(view.tasks.every((task) => task.error?.code === 'CANCELLED')).toBe(true);
    await expect(
      harness.system.tasks.submit(alice, {
        workflow: 'work',
        params: { item: 99 },
        priority: 'normal',
        group_id: created.group_id,
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    // The stream of a finished group sends its summary and ends.
    const events: GroupEvent[] = [];
    for await (const event of groups.events(alice, created.group_id, {})) events.push(event);
    expect(events).toEqual([{ type: 'group', group: expect.objectContaining({ status: 'cancelled' }) }]);
  });
});
