import { startTestServer, type TestServer } from '@kaygraph/api/testing';
import type { TaskEvent } from '@kaygraph/contracts';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AnyWorkflows, ClientClosedError, createClient, type KayGraphClient } from '../src/index.ts';

/** What a running watch or submitAndWait sees when its client is closed, on either transport. */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

/** A task that stays queued for the whole test: its watch never ends by itself. */
const later = { workflow: 'echo', params: { value: 'later' }, run_at: '2099-01-01T00:00:00Z' };

/** Starts watching; resolves once the first event is in, with the watch's end (all its events). */
async function watchStarted(client: KayGraphClient, taskId: string) {
  let seen: () => void = () => {};
  const first = new Promise<void>((resolve) => {
    seen = resolve;
  });
  const events: TaskEvent[] = [];
  const end = (async () => {
    for await (const event of client.watch(taskId)) {
      events.push(event);
      seen();
    }
    return events;
  })();
  await Promise.race([first, end]);
  return { end, events };
}

function expectClosedError(error: unknown, taskId: string): void {
  expect(error).not.toBeInstanceOf(TRPCClientError);
  expect(error).toMatchObject({ name: 'AbortError', taskId });
  expect((error as Error).message).toContain('client was closed');
  expect((error as Error).message).toContain(taskId);
  expect(error).toBeInstanceOf(ClientClosedError);
}

describe.each(['ws', 'sse'] as const)('closing the client over %s', (subscriptions) => {
  test('a running watch rejects with ClientClosedError instead of ending as if the task had', async () => {
    using client = createClient<AnyWorkflows>({ url: server.url, subscriptions });
    const { task_id } = await client.submit(later);
    const watch = await watchStarted(client, task_id);
    expect(watch.events.map((event) => event.type)).toEqual(['status']);

    client.close();
    const error = await watch.end.catch((caught: unknown) => caught);
    expectClosedError(error, task_id);
    // The task itself goes on: closing a client ends its subscriptions, not its tasks.
    using other = createClient<AnyWorkflows>({ url: server.url, subscriptions });
    expect(await other.tasks.get.query({ task_id })).toMatchObject({ status: 'scheduled' });
  });

  test('leaving the `using` scope ends the watches the client opened', async () => {
    let watch: Awaited<ReturnType<typeof watchStarted>> | undefined;
    let taskId = '';
    {
      using client = createClient<AnyWorkflows>({ url: server.url, subscriptions });
      taskId = (await client.submit(later)).task_id;
      watch = await watchStarted(client, taskId);
    }
    expectClosedError(await watch.end.catch((caught: unknown) => caught), taskId);
  });

  test('a pending submitAndWait rejects with ClientClosedError naming its task, not a 409', async () => {
    using client = createClient<AnyWorkflows>({ url: server.url, subscriptions });
    let submitted = '';
    const outcome = client.submitAndWait(later, {
      onEvent: (event) => {
        submitted = event.task_id;
        client.close();
      },
    });
    const error = await outcome.catch((caught: unknown) => caught);
    expect(submitted).not.toBe('');
    expectClosedError(error, submitted);
  });

  test('a watch started after close rejects at once', async () => {
    const client = createClient<AnyWorkflows>({ url: server.url, subscriptions });
    const { task_id } = await client.submit(later);
    client.close();
    const consume = async () => {
      for await (const _event of client.watch(task_id)) break;
    };
    expectClosedError(await consume().catch((caught: unknown) => caught), task_id);
  });
});
