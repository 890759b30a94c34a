import { startTestServer, type TestServer } from '@kaygraph/api/testing';
import type { TaskEvent } from '@kaygraph/contracts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AnyWorkflows, createClient, type KayGraphClient } from '../src/index.ts';

/** Many tasks watched at once: more than MAX_BATCH_SIZE (50) and the api's 100 subscriptions per socket. */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ maxQueueSize: 1_000 });
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

/** Submits `count` echo tasks, 50 per call (MAX_BATCH_SIZE). */
async function submitEchoes(client: KayGraphClient, count: number): Promise<string[]> {
  const ids: string[] = [];
  while (ids.length < count) {
    const size = Math.min(50, count - ids.length);
    const tasks = Array.from({ length: size }, (_, i) => ({
      workflow: 'echo',
      params: { value: `fan-out ${ids.length + i}` },
    }));
    const { tasks: submitted } = await client.tasks.submitMany.mutate({ tasks });
    ids.push(...submitted.map((task) => task.task_id));
  }
  return ids;
}

/** The last event of every watch, started in the same tick. */
async function watchAll(client: KayGraphClient, ids: string[]): Promise<(TaskEvent | undefined)[]> {
  return Promise.all(
    ids.map(async (id) => {
      let last: TaskEvent | undefined;
      for await (const event of client.watch(id)) last = event;
      return last;
    }),
  );
}

function isCompleted(event: TaskEvent | undefined): boolean {
  return event?.type === 'status' && event.status === 'completed';
}

describe.each(['ws', 'sse'] as const)('fan-out over %s', (subscriptions) => {
  test('150 watches started at once all follow their task to its end', async () => {
    using client = createClient<AnyWorkflows>({ url: server.url, subscriptions });
    const ids = await submitEchoes(client, 150);
    const lasts = await watchAll(client, ids);
    expect(lasts.filter(isCompleted)).toHaveLength(150);
  });

  test('60 submitAndWait at once all return their outcome, each task submitted once', async () => {
    using client = createClient<AnyWorkflows>({ url: server.url, subscriptions });
    const before = await server.countTasks();
    const outcomes = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        client.submitAndWait({ workflow: 'echo', params: { value: `${subscriptions} ${i}` } }),
      ),
    );
    expect(outcomes.map((outcome) => outcome.status)).toEqual(Array(60).fill('completed'));
    expect(outcomes.map((outcome) => outcome.result)).toEqual(
      Array.from({ length: 60 }, (_, i) => ({ value: `${subscriptions} ${i}` })),
    );
    expect(await server.countTasks()).toBe(before + 60);
  });
});

test('one WebSocket carries as many watches started at once as the api allows on it (100)', async () => {
  using client = createClient<AnyWorkflows>({
    url: server.url,
    subscriptions: 'ws',
    subscriptionsPerSocket: 100,
  });
  const ids = await submitEchoes(client, 100);
  const lasts = await watchAll(client, ids);
  expect(lasts.filter(isCompleted)).toHaveLength(100);
});

describe('past the api subscription caps', () => {
  test('watches below the per-key cap all work; the one past it fails with a 429 that says why', async () => {
    await using capped = await startTestServer({
      maxQueueSize: 1_000,
      subscriptionCaps: { perConnection: 10, perKey: 30 },
    });
    // The api here allows 10 subscriptions per socket: the client spreads its watches over sockets of 10.
    using client = createClient<AnyWorkflows>({ url: capped.url, subscriptionsPerSocket: 10 });
    // Delayed tasks: their watches stay open while the 31st is refused.
    const { tasks } = await client.tasks.submitMany.mutate({
      tasks: Array.from({ length: 31 }, () => ({
        workflow: 'echo',
        params: { value: 'later' },
        run_at: '2099-01-01T00:00:00Z',
      })),
    });
    const stop = new AbortController();
    const held = tasks.slice(0, 30).map(({ task_id }) => follow(client, task_id, stop.signal));
    // Each has its first event: all 30 subscriptions are open on the api.
    const firsts = await Promise.all(held.map((watch) => watch.first));
    expect(firsts.map((event) => event.type)).toEqual(Array(30).fill('status'));

    const over = async () => {
      for await (const _event of client.watch(tasks[30]?.task_id ?? '', { signal: stop.signal })) break;
    };
    await expect(over()).rejects.toMatchObject({
      data: { httpStatus: 429, errorBody: { code: 'RATE_LIMITED' } },
      message: expect.stringContaining('at most 30 across connections'),
    });
    stop.abort();
    await Promise.all(held.map((watch) => watch.done));
  });
});

/** Follows a task until it ends or `signal` aborts; `first` is its first event. */
function follow(client: KayGraphClient, taskId: string, signal: AbortSignal) {
  let seen: (event: TaskEvent) => void = () => {};
  const firstEvent = new Promise<TaskEvent>((resolve) => {
    seen = resolve;
  });
  const done = (async () => {
    for await (const event of client.watch(taskId, { signal })) seen(event);
  })();
  const ended = done.then(() => Promise.reject(new Error(`the watch of ${taskId} ended without an event`)));
  return { first: Promise.race([firstEvent, ended]), done };
}
