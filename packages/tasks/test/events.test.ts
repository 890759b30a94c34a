import type { TaskEvent } from '@kaygraph/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from '../src/events/task-stream.ts';
import {
  admin,
  alice,
  bob,
  startTestSystem,
  type TestSystem,
  WORKFLOWS_MODULE,
  waitFor,
  waitForTerminal,
} from './harness.ts';

let harness: TestSystem;

beforeAll(async () => {
  harness = await startTestSystem();
  await harness.system.startWorker({ concurrency: 2, workflowsModule: WORKFLOWS_MODULE });
});
afterAll(async () => {
  await harness?.[Symbol.asyncDispose]();
});

async function collect(iterable: AsyncIterable<TaskEvent>): Promise<TaskEvent[]> {
  const events: TaskEvent[] = [];
  for await (const event of iterable) events.push(event);
  return events;
}

describe('events', () => {
  it('replay then live: every subscriber sees each event after its resume point exactly once, in order', async () => {
    const { system } = harness;
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'steps',
      params: { steps: 12, step_ms: 60 },
      priority: 'normal',
    });
    // Subscribers join while the task runs, each resuming from a different seq seen so far.
    const subscriptions: { afterSeq: number; events: Promise<TaskEvent[]> }[] = [];
    while (subscriptions.length < 12) {
      const stored = await readEvents(system.context.db, task_id, 0);
      const afterSeq = stored.length === 0 ? 0 : (stored[subscriptions.length % stored.length]?.seq ?? 0);
      subscriptions.push({ afterSeq, events: collect(system.tasks.events(alice, task_id, { afterSeq })) });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await waitForTerminal(system, alice, task_id)).toBe('completed');
    const stored = await readEvents(system.context.db, task_id, 0);
    const last = stored.at(-1);
    expect(last).toMatchObject({ type: 'status', status: 'completed' });
    expect(stored.filter((e) => e.type === 'progress').length).toBeGreaterThan(2);
    for (const subscription of subscriptions) {
      const events = await subscription.events;
      expect(events).toEqual(stored.filter((e) => e.seq > subscription.afterSeq));
    }
    // A resume point past every stored event of a running task still sees the task's later events.
    const next = await system.tasks.submit(alice, {
      workflow: 'steps',
      params: { steps: 2, step_ms: 20 },
      priority: 'normal',
    });
    const fromFuture = await collect(system.tasks.events(alice, next.task_id, { afterSeq: 2_000_000_000 }));
    expect(fromFuture.at(-1)).toMatchObject({ type: 'status', status: 'completed' });
    // Resuming after the terminal event ends at once.
    expect(await collect(system.tasks.events(alice, task_id, { afterSeq: last?.seq ?? 0 }))).toEqual([]);
    await expect(collect(system.tasks.events(bob, task_id, {}))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a task that completes within 100 ms of its claim stores no progress of its own, in a thread or inline', async () => {
    const { system } = harness;
    const changesOf = async (taskId: string) =>
      (await readEvents(system.context.db, taskId, 0)).flatMap((e) =>
        e.type === 'status' ? [e.status] : e.type === 'progress' ? [`progress ${e.progress}`] : [],
      );
    const params = { steps: 3, step_ms: 0 };
    // A thread of the pool first: a cold one loads its modules after the claim, for longer than 100 ms.
    const warmUp = await system.tasks.submit(alice, { workflow: 'steps', params, priority: 'normal' });
    expect(await waitForTerminal(system, alice, warmUp.task_id)).toBe('completed');
    // Three steps and a finish node: a checkpoint is stored after each node, so progress reports come turns
    // before the result; they are dropped, and the completion stands for progress 100 (no subscriber was sent
    // a lower one). Three runs of each: a run that the machine stalls for 100 ms stores its progress, and
    // must then end it at 100; the others store none.
    for (const workflow of ['steps', 'steps_inline']) {
      const runs: string[][] = [];
      for (let run = 0; run < 3; run++) {
        const quick = await system.tasks.submit(alice, { workflow, params, priority: 'normal' });
        expect(await waitForTerminal(system, alice, quick.task_id)).toBe('completed');
        expect(await system.tasks.progress(alice, quick.task_id)).toMatchObject({ progress: 100 });
        runs.push(await changesOf(quick.task_id));
      }
      expect(runs).toContainEqual(['queued', 'running', 'completed']);
      for (const changes of runs) {
        const progress = changes.filter((change) => change.startsWith('progress'));
        if (progress.length > 0) expect(progress.at(-1)).toBe('progress 100');
      }
    }
    // A longer task still reports along the way (4 steps of 150 ms), its subscribers see the progress reach
    // 100 in a progress event, and its logs are all kept.
    const slow = await system.tasks.submit(alice, {
      workflow: 'steps_inline',
      params: { steps: 4, step_ms: 150 },
      priority: 'normal',
    });
    expect(await waitForTerminal(system, alice, slow.task_id)).toBe('completed');
    const progress = (await changesOf(slow.task_id)).filter((change) => change.startsWith('progress'));
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.at(-1)).toBe('progress 100');
    const logs = (await readEvents(system.context.db, slow.task_id, 0)).filter((e) => e.type === 'log');
    expect(logs).toHaveLength(4);
    // One step of 150 ms, then a quick finish node: the step's 0 % is stored 100 ms in, the later reports
    // wait for 200 ms and are dropped at the completion, which adds the progress 100 that ends the 0 %.
    const oneStep = await system.tasks.submit(alice, {
      workflow: 'steps_inline',
      params: { steps: 1, step_ms: 150 },
      priority: 'normal',
    });
    expect(await waitForTerminal(system, alice, oneStep.task_id)).toBe('completed');
    const ends = (await changesOf(oneStep.task_id)).slice(-2);
    expect(ends).toEqual(['progress 100', 'completed']);
  });

  it('a subscription stops when its signal aborts', async () => {
    const { system } = harness;
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'steps',
      params: { steps: 1, step_ms: 0 },
      priority: 'normal',
      run_at: new Date(Date.now() + 60_000).toISOString(),
    });
    const controller = new AbortController();
    const events = collect(system.tasks.events(alice, task_id, { signal: controller.signal }));
    setTimeout(() => controller.abort(), 100);
    expect((await events).map((e) => (e.type === 'status' ? e.status : e.type))).toEqual(['scheduled']);
  });

  it('feed: live events of the caller’s tasks only (admins see all)', async () => {
    const { system } = harness;
    const controller = new AbortController();
    const mine: TaskEvent[] = [];
    const all: TaskEvent[] = [];
    const feeds = [
      (async () => {
        for await (const e of system.tasks.feed(alice, { signal: controller.signal })) mine.push(e);
      })(),
      (async () => {
        for await (const e of system.tasks.feed(admin, { signal: controller.signal, types: ['status'] }))
          all.push(e);
      })(),
    ];
    const a = await system.tasks.submit(alice, { workflow: 'noop', params: {}, priority: 'normal' });
    const b = await system.tasks.submit(bob, { workflow: 'noop', params: {}, priority: 'normal' });
    await waitForTerminal(system, alice, a.task_id);
    await waitForTerminal(system, bob, b.task_id);
    await waitFor(
      () => all.filter((e) => e.type === 'status' && e.status === 'completed').length >= 2,
      'feed',
    );
    controller.abort();
    await Promise.all(feeds);
    expect(new Set(mine.map((e) => e.task_id))).toEqual(new Set([a.task_id]));
    expect(all.every((e) => e.type === 'status')).toBe(true);
    expect(new Set(all.map((e) => e.task_id))).toEqual(new Set([a.task_id, b.task_id]));
  });

  it('feed: an event too large for its notification is read from the table and delivered', async () => {
    const { system } = harness;
    const controller = new AbortController();
    const seen: TaskEvent[] = [];
    const feed = (async () => {
      for await (const e of system.tasks.feed(alice, { signal: controller.signal })) seen.push(e);
    })();
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'big_log',
      params: {},
      priority: 'normal',
    });
    expect(await waitForTerminal(system, alice, task_id)).toBe('completed');
    await waitFor(
      () => seen.some((e) => e.task_id === task_id && e.type === 'log' && e.message === 'a large log line'),
      'the large log event on the feed',
    );
    controller.abort();
    await feed;
    const big = seen.find((e) => e.task_id === task_id && e.type === 'log');
    expect(big).toMatchObject({ data: { blob: 'x'.repeat(10_000) } });
  });
});
