import { startTestServer } from '@kaygraph/api/testing';
import type { TaskEvent } from '@kaygraph/contracts';
import { expect, test } from 'vitest';
import { type AnyWorkflows, createClient } from '../src/index.ts';
import { startTcpProxy } from './tcp-proxy.ts';

test('watch() over SSE follows a task across an api restart and a cut connection: every event once, in order', async () => {
  await using server = await startTestServer();
  // The restarted api listens on the same port, behind the same proxy.
  await using proxy = await startTcpProxy(server.server.port);
  using client = createClient<AnyWorkflows>({ url: proxy.url, subscriptions: 'sse' });
  const { task_id } = await client.tasks.submit.mutate({
    workflow: 'steps',
    params: { steps: 40, delay_ms: 150 },
  });

  const seen: TaskEvent[] = [];
  const connection: string[] = [];
  let progress = 0;
  const onConnection = ({ state }: { state: string }) => connection.push(state);
  for await (const event of client.watch(task_id, { onConnection })) {
    seen.push(event);
    if (event.type !== 'progress') continue;
    progress += 1;
    if (progress === 3) await server.restart();
    // A cut, as a network failure makes it: the connection just ends.
    if (progress === 8) proxy.dropConnections();
  }

  using reader = createClient<AnyWorkflows>({ url: server.url });
  const history: TaskEvent[] = [];
  for await (const event of reader.watch(task_id)) history.push(event);
  expect(history.at(-1)).toMatchObject({ type: 'status', status: 'completed' });
  expect(seen).toEqual(history);
  // The watcher was told each time the connection dropped, and each time it came back.
  expect(connection).toEqual(['lost', 'restored', 'lost', 'restored']);
});
