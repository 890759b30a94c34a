import { startTestServer, type TestServer } from '@kaygraph/api/testing';
import type { GroupEvent, StatusEvent, TaskEvent } from '@kaygraph/contracts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createClient } from '../src/index.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

describe('orchestration through the typed client', () => {
  test("the spec's chain: preprocess -> analyze -> report runs in order and passes results", async () => {
    using client = createClient({ url: server.url });
    // Starts a moment later, so the whole chain is submitted while its first task waits.
    const task1 = await client.tasks.submit.mutate({
      workflow: 'preprocess',
      params: { text: 'The quick brown fox jumps over the lazy dog' },
      run_at: new Date(Date.now() + 500).toISOString(),
    });
    const task2 = await client.tasks.submit.mutate({ workflow: 'analyze', depends_on: [task1.task_id] });
    const task3 = await client.tasks.submit.mutate({ workflow: 'report', depends_on: [task2.task_id] });
    expect([task2.status, task3.status]).toEqual(['blocked', 'blocked']);

    const events: TaskEvent[] = [];
    for await (const event of client.watch(task3.task_id)) events.push(event);
    const statuses = events.filter((event): event is StatusEvent => event.type === 'status');
    expect(statuses.map((event) => event.status)).toEqual(['blocked', 'queued', 'running', 'completed']);

    const [first, second, third] = await Promise.all(
      [task1, task2, task3].map((task) => client.tasks.get.query({ task_id: task.task_id })),
    );
    expect(second?.result).toEqual({ words: 9, unique: 8 });
    expect(third?.result).toEqual({ summary: '9 words, 8 unique' });
    expect(third?.depends_on).toEqual([task2.task_id]);
    expect(Date.parse(second?.started_at ?? '')).toBeGreaterThanOrEqual(
      Date.parse(first?.completed_at ?? ''),
    );
    expect(Date.parse(third?.started_at ?? '')).toBeGreaterThanOrEqual(
      Date.parse(second?.completed_at ?? ''),
    );
  });

  test('groups: create with tasks, follow the group subscription to its end', async () => {
    using client = createClient({ url: server.url });
    const group = await client.groups.create.mutate({
      name: 'batch_processing',
      tasks: ['a', 'b', 'c'].map((value) => ({ workflow: 'echo', params: { value } })),
    });
    const events = await new Promise<GroupEvent[]>((resolve, reject) => {
      const seen: GroupEvent[] = [];
      const subscription = client.groups.events.subscribe(
        { group_id: group.group_id },
        {
          onData: (tracked) => seen.push(tracked.data),
          onError: reject,
          onComplete: () => {
            subscription.unsubscribe();
            resolve(seen);
          },
        },
      );
    });
    expect(events.at(-1)).toMatchObject({
      type: 'group',
      group: { status: 'completed', total: 3, progress: 100 },
    });
    const view = await client.groups.get.query({ group_id: group.group_id });
    const values = view.tasks.map((task) => (task.result as { value: string }).value);
    expect(values.sort()).toEqual(['a', 'b', 'c']);
  });

  test('schedules and dead letters are typed procedures of the client', async () => {
    using client = createClient({ url: server.url });
    const schedule = await client.schedules.create.mutate({
      name: 'daily_report',
      cron: '0 9 * * *',
      workflow: 'echo',
      params: { value: 'summary' },
    });
    expect(schedule.next_runs).toHaveLength(5);
    expect((await client.schedules.pause.mutate({ schedule_id: schedule.schedule_id })).enabled).toBe(false);
    const deadLetters = await client.deadLetters.list.query({});
    expect(Array.isArray(deadLetters.items)).toBe(true);
    await client.schedules.delete.mutate({ schedule_id: schedule.schedule_id });
  });
});
