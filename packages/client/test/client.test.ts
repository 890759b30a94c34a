import { startTestServer, type TestServer } from '@kaygraph/api/testing';
import type { ProgressEvent, TaskEvent } from '@kaygraph/contracts';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AnyWorkflows, type BuiltinWorkflows, createClient } from '../src/index.ts';
import { startTcpProxy } from './tcp-proxy.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

/** The task's whole history, replayed from the database once it is over. */
async function history(taskId: string): Promise<TaskEvent[]> {
  using client = createClient<AnyWorkflows>({ url: server.url });
  const events: TaskEvent[] = [];
  for await (const event of client.watch(taskId)) events.push(event);
  return events;
}

describe('typed client', () => {
  test('full cycle: submit, progress while it runs, result', async () => {
    using client = createClient<AnyWorkflows>({ url: server.url });
    const progress: ProgressEvent[] = [];
    const events: TaskEvent[] = [];
    const outcome = await client.submitAndWait(
      // 4 x 60 ms: the first report is sent at once, later ones at most every 100 ms.
      { workflow: 'steps', params: { steps: 4, delay_ms: 60 } },
      { onProgress: (event) => progress.push(event), onEvent: (event) => events.push(event) },
    );
    expect(outcome).toMatchObject({ status: 'completed', result: { steps_done: 4 }, error: null });
    expect(progress.length).toBeGreaterThan(0);
    const percents = progress.map((event) => event.progress);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    // The stream ends with the completed event, which carries progress 100.
    expect(events.at(-1)).toMatchObject({ type: 'status', status: 'completed', progress: 100 });

    const view = await client.tasks.get.query({ task_id: outcome.task_id });
    expect(view).toMatchObject({ workflow: 'steps', status: 'completed', progress: 100 });
    const list = await client.tasks.list.query({ workflow: 'steps' });
    expect(list.items.map((item) => item.task_id)).toContain(outcome.task_id);
    const { workflows } = await client.workflows.list.query();
    expect(workflows.map((workflow) => workflow.name)).toContain('steps');
  });

  test("submit's params follow the workflow (the @ts-expect-error lines are checked by tsc)", async () => {
    using client = createClient<BuiltinWorkflows>({ url: server.url }); // typed by the built-ins, on request
    const misuse = () => [
      // @ts-expect-error not a built-in workflow
      client.submit({ workflow: 'no_such_workflow' }),
      // @ts-expect-error demo's steps is a number
      client.submit({ workflow: 'demo', params: { steps: 'three' } }),
    ];
    expect(typeof misuse).toBe('function');
    // The fixture server does not run the built-ins: a typed call still reaches it and is refused there.
    await expect(client.submit({ workflow: 'demo', params: { steps: 2 } })).rejects.toThrow(/demo/);
  });

  test('domain errors arrive typed, with the ErrorBody and HTTP status', async () => {
    using client = createClient<AnyWorkflows>({ url: server.url });
    const error = await client.tasks.get
      .query({ task_id: '6f1f4c38-8a6f-4a1b-9c1e-2b7d3f4e5a60' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<never>).data).toMatchObject({
      httpStatus: 404,
      errorBody: { code: 'NOT_FOUND' },
    });
  });

  test('watch() of an unknown task fails with the 404 instead of retrying', async () => {
    using client = createClient<AnyWorkflows>({ url: server.url });
    const consume = async () => {
      for await (const _event of client.watch('6f1f4c38-8a6f-4a1b-9c1e-2b7d3f4e5a60')) break;
    };
    await expect(consume()).rejects.toMatchObject({
      data: { httpStatus: 404, errorBody: { code: 'NOT_FOUND' } },
    });
  });

  test('subscriptions over SSE work too', async () => {
    using client = createClient<AnyWorkflows>({ url: server.url, subscriptions: 'sse' });
    const outcome = await client.submitAndWait({ workflow: 'echo', params: { value: 'over sse' } });
    expect(outcome).toMatchObject({ status: 'completed', result: { value: 'over sse' } });
  });
});

describe('tasks.feed', () => {
  test("streams the caller's events of every task, filtered by type", async () => {
    using client = createClient<AnyWorkflows>({ url: server.url });
    const seen: TaskEvent[] = [];
    let taskId: string | undefined;
    const finished = new Promise<void>((resolve, reject) => {
      // Events may arrive before the submit's answer: decide once both are in.
      const check = () => {
        if (
          seen.some(
            (event) => event.task_id === taskId && event.type === 'status' && event.status === 'completed',
          )
        ) {
          subscription.unsubscribe();
          resolve();
        }
      };
      const subscription = client.trpc.tasks.feed.subscribe(
        { types: ['status'] },
        {
          onStarted: () => {
            client.submit({ workflow: 'echo', params: { value: 'feed' } }).then((submitted) => {
              taskId = submitted.task_id;
              check();
            }, reject);
          },
          onData: ({ data }) => {
            seen.push(data);
            check();
          },
          onError: reject,
        },
      );
    });
    await finished;
    expect(seen.every((event) => event.type === 'status')).toBe(true);
    const ofTask = seen.filter((event) => event.task_id === taskId);
    expect(ofTask.map((event) => (event.type === 'status' ? event.status : event.type))).toContain('running');
    expect(ofTask.at(-1)).toMatchObject({ type: 'status', status: 'completed' });
  });
});

describe('tasks.events resume', () => {
  test('a subscription that drops mid-task and resubscribes with lastEventId gets every later event once, in order', async () => {
    using first = createClient<AnyWorkflows>({ url: server.url });
    const { task_id } = await first.tasks.submit.mutate({
      workflow: 'steps',
      params: { steps: 20, delay_ms: 30 },
    });

    const before: TaskEvent[] = [];
    await new Promise<void>((resolve, reject) => {
      const subscription = first.trpc.tasks.events.subscribe(
        { task_id },
        {
          onData: ({ data }) => {
            before.push(data);
            if (data.type === 'progress' && data.progress > 0) {
              subscription.unsubscribe();
              first.close(); // the connection goes away mid-task
              resolve();
            }
          },
          onError: reject,
        },
      );
    });
    const lastEventId = String(before.at(-1)?.seq);

    using second = createClient<AnyWorkflows>({ url: server.url });
    const after: TaskEvent[] = [];
    await new Promise<void>((resolve, reject) => {
      second.trpc.tasks.events.subscribe(
        { task_id, lastEventId },
        { onData: ({ data }) => after.push(data), onComplete: resolve, onError: reject },
      );
    });

    const all = await history(task_id);
    expect(after).toEqual(all.filter((event) => event.seq > Number(lastEventId)));
    expect([...before, ...after]).toEqual(all);
    expect(all.at(-1)).toMatchObject({ type: 'status', status: 'completed' });
  });

  test('watch() survives a broken connection and resumes from the last event id', async () => {
    await using proxy = await startTcpProxy(server.server.port);
    using client = createClient<AnyWorkflows>({ url: proxy.url });
    const { task_id } = await client.tasks.submit.mutate({
      workflow: 'steps',
      params: { steps: 20, delay_ms: 30 },
    });
    const seen: TaskEvent[] = [];
    const connection: string[] = [];
    let dropped = false;
    const onConnection = ({ state }: { state: string }) => connection.push(state);
    for await (const event of client.watch(task_id, { onConnection })) {
      seen.push(event);
      if (!dropped && event.type === 'progress' && event.progress > 0) {
        dropped = true;
        proxy.dropConnections();
      }
    }
    expect(dropped).toBe(true);
    expect(seen).toEqual(await history(task_id));
    // The watcher was told the connection dropped, and that it came back.
    expect(connection).toEqual(['lost', 'restored']);
  });
});
