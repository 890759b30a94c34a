import type { TaskEvent } from '@kaygraph/contracts';
import { describe, expect, it } from 'vitest';
import { appendEvents } from '../src/store/events.ts';
import { storedEvents as readEvents } from './fixtures/stored-events.ts';
import { admin, alice, bob, useSystemWithWorker, waitFor, waitForTerminal } from './harness.ts';

const harness = useSystemWithWorker({ concurrency: 2 });

async function collect(iterable: AsyncIterable<TaskEvent>): Promise<TaskEvent[]> {
  const events: TaskEvent[] = [];
  for await (const event of iterable) events.push(event);
  return events;
}

describe('events', () => {
  it('a subscriber still holding the live failure when the retry commits follows the retry', async () => {
    const { system } = harness;
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'steps',
      params: { steps: 1, step_ms: 300, fail_attempts: 1 },
      priority: 'normal',
      max_retries: 0,
    });
    const stream = system.tasks.events(alice, task_id, {})[Symbol.asyncIterator]();
    const first = await stream.next();
    // The subscriber reads nothing more while the task fails and is retried: `failed` waits in its queue.
    expect(await waitForTerminal(system, alice, task_id)).toBe('failed');
    await system.tasks.retry(alice, task_id);
    const statuses: string[] = [];
    for (let next = first; !next.done; next = await stream.next()) {
      if (next.value.type === 'status') statuses.push(next.value.status);
    }
    expect(statuses).toEqual(['queued', 'running', 'failed', 'queued', 'running', 'completed']);
  });

  it('a task retried after it failed: the replay goes past the old failure, live to the new outcome', async () => {
    const { system } = harness;
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'steps',
      params: { steps: 2, step_ms: 100, fail_attempts: 1 },
      priority: 'normal',
      max_retries: 0,
    });
    expect(await waitForTerminal(system, alice, task_id)).toBe('failed');
    await system.tasks.retry(alice, task_id);
    // Subscribed while the retry runs (or queues): the history holds the first attempt's `failed`.
    const statuses = (await collect(system.tasks.events(alice, task_id, {}))).flatMap((event) =>
      event.type === 'status' ? [event.status] : [],
    );
    expect(statuses).toEqual(['queued', 'running', 'failed', 'queued', 'running', 'completed']);
    // Once the retry ended, a replay of the whole history ends at the task's outcome too.
    const again = await collect(system.tasks.events(alice, task_id, {}));
    expect(again.at(-1)).toMatchObject({ type: 'status', status: 'completed' });
  });

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

  it('progress contract: the first report is sent, later ones coalesce, a completed stream ends at 100', async () => {
    const { system } = harness;
    const changesOf = async (taskId: string) =>
      (await readEvents(system.context.db, taskId, 0)).flatMap((e) =>
        e.type === 'status'
          ? [e.progress === undefined ? e.status : `${e.status} ${e.progress}`]
          : e.type === 'progress'
            ? [`progress ${e.progress}`]
            : [],
      );
    const params = { steps: 3, step_ms: 0 };
    // Quick tasks, in a thread and inline: whatever progress they stored, the stream ends with the
    // `completed` event carrying progress 100, and the task's progress reads 100.
    for (const workflow of ['steps', 'steps_inline']) {
      const quick = await system.tasks.submit(alice, { workflow, params, priority: 'normal' });
      expect(await waitForTerminal(system, alice, quick.task_id)).toBe('completed');
      const view = await system.tasks.progress(alice, quick.task_id);
      expect(view).toMatchObject({ progress: 100, step: expect.any(String) });
      const changes = await changesOf(quick.task_id);
      expect(changes.slice(0, 2)).toEqual(['queued', 'running']);
      expect(changes.at(-1)).toBe('completed 100');
      // The completed event is the last report: it carries the step and message the task ends with.
      expect((await readEvents(system.context.db, quick.task_id, 0)).at(-1)).toMatchObject({
        step: view.step,
        message: view.message,
      });
    }
    // A longer task (4 steps of 150 ms): its first report (0 %) is stored, then it reports along the way,
    // never going back, and every log is kept.
    const slow = await system.tasks.submit(alice, {
      workflow: 'steps_inline',
      params: { steps: 4, step_ms: 150 },
      priority: 'normal',
    });
    expect(await waitForTerminal(system, alice, slow.task_id)).toBe('completed');
    const changes = await changesOf(slow.task_id);
    const progress = changes.filter((change) => change.startsWith('progress')).map((c) => Number(c.slice(9)));
    expect(progress[0]).toBe(0);
    expect(progress.length).toBeGreaterThan(2);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    expect(changes.at(-1)).toBe('completed 100');
    const logs = (await readEvents(system.context.db, slow.task_id, 0)).filter((e) => e.type === 'log');
    expect(logs).toHaveLength(4);
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

  it('a stored wait event that does not match its schema reaches live and replaying streams as a warning', async () => {
    const { system } = harness;
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'steps',
      params: { steps: 1, step_ms: 0 },
      run_at: new Date(Date.now() + 60_000).toISOString(),
    });
    const live = system.tasks.events(alice, task_id, {})[Symbol.asyncIterator]();
    expect((await live.next()).value).toMatchObject({ type: 'status', status: 'scheduled' });
    const wait = { kind: 'sleep', node_id: 'doze', since: new Date().toISOString(), until: '+160000-01-01' };
    await appendEvents(system.context.db, [{ taskId: task_id, type: 'waiting', payload: { wait } }]);
    const warning = { type: 'log', level: 'warn', message: expect.stringContaining('waiting event') };
    expect((await live.next()).value).toMatchObject(warning);
    await system.tasks.cancel(alice, task_id);
    expect((await live.next()).value).toMatchObject({ type: 'status', status: 'cancelled' });
    const replayed = await collect(system.tasks.events(alice, task_id, {}));
    expect(replayed.map((event) => event.type)).toEqual(['status', 'log', 'status']);
    expect(replayed[1]).toMatchObject(warning);
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

  it('feed: every task of a submit is announced with its first event (queued, seq 1)', async () => {
    const { system } = harness;
    const controller = new AbortController();
    const seen: TaskEvent[] = [];
    const feed = (async () => {
      for await (const e of system.tasks.feed(alice, { signal: controller.signal, types: ['status'] }))
        seen.push(e);
    })();
    // Once a task's completion is on the feed, the feed is listening.
    const first = await system.tasks.submit(alice, { workflow: 'noop', params: {}, priority: 'normal' });
    await waitFor(
      () => seen.some((e) => e.task_id === first.task_id && e.type === 'status' && e.status === 'completed'),
      'the feed listening',
    );
    const { tasks } = await system.tasks.submitMany(
      alice,
      Array.from({ length: 3 }, () => ({ workflow: 'noop', params: {}, priority: 'normal' as const })),
    );
    const queuedOf = (taskId: string) =>
      seen.find((e) => e.task_id === taskId && e.type === 'status' && e.status === 'queued');
    await waitFor(() => tasks.every((task) => queuedOf(task.task_id)), 'the queued events of the batch');
    controller.abort();
    await feed;
    for (const task of tasks) expect(queuedOf(task.task_id)).toMatchObject({ seq: 1, attempt: 0 });
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
