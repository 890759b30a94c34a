import type { SubmitTaskOutput } from '@kaygraph/contracts';
import { expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { startTestServer } from './harness.ts';
import { requestJson } from './http-helpers.ts';
import { readTaskSocket, TrpcSocket, type TrpcSocketError } from './trpc-socket.ts';

/** Starts `count` feed subscriptions; resolves with the first that the server refuses. */
function firstRefused(socket: TrpcSocket, count: number): Promise<TrpcSocketError | undefined> {
  const subscriptions = Array.from({ length: count }, () =>
    socket.subscribe('tasks.feed', {}, () => false).then((result) => result.error),
  );
  return Promise.race(subscriptions);
}

test('subscriptions are capped per tRPC WebSocket and per key, with an error that says which', async () => {
  await using server = await startTestServer({
    worker: false,
    subscriptionCaps: { perConnection: 3, perKey: 5 },
  });
  const first = await TrpcSocket.open(server.wsUrl);
  const overConnection = await firstRefused(first, 4);
  expect(overConnection?.data?.httpStatus).toBe(429);
  expect(overConnection?.message).toContain('too many subscriptions on this connection (at most 3)');

  const second = await TrpcSocket.open(server.wsUrl);
  const overKey = await firstRefused(second, 3);
  expect(overKey?.data?.httpStatus).toBe(429);
  expect(overKey?.message).toContain('at most 5 across connections');

  first.close();
  second.close();
});

test("a frame takes as many subscriptions as its socket may hold, past MAX_BATCH_SIZE; beyond, the socket's cap refuses them one by one", async () => {
  await using server = await startTestServer({
    worker: false,
    maxBatchSize: 3,
    subscriptionCaps: { perConnection: 5, perKey: 100 },
  });
  const submitted = await requestJson(`${server.url}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ workflow: 'echo', params: { value: 'x' }, run_at: '2099-01-01T00:00:00Z' }),
  });
  const task_id = (submitted.body as SubmitTaskOutput).task_id;
  const socket = await TrpcSocket.open(server.wsUrl);
  // More than MAX_BATCH_SIZE (3) in one frame, as many as the socket holds (5): all taken.
  const outcomes = await Promise.all(socket.subscribeInOneFrame('tasks.events', Array(4).fill({ task_id })));
  expect(outcomes).toEqual(['data', 'data', 'data', 'data']);
  // Two more in the next frame: one fills the socket, the other is refused by its cap, not the frame.
  const more = await Promise.all(socket.subscribeInOneFrame('tasks.events', Array(2).fill({ task_id })));
  expect(more.filter((outcome) => outcome === 'data')).toHaveLength(1);
  const refused = more.filter((outcome): outcome is TrpcSocketError => outcome !== 'data');
  expect(refused.map((error) => error.data?.httpStatus)).toEqual([429]);
  expect(refused[0]?.message).toContain('too many subscriptions on this connection (at most 5)');
  // A frame of more calls than a socket may hold is refused whole (a bound on one frame's work).
  const oversized = await Promise.all(socket.subscribeInOneFrame('tasks.events', Array(6).fill({ task_id })));
  expect(oversized.every((outcome) => outcome !== 'data' && outcome.data?.httpStatus === 400)).toBe(true);
  socket.close();
});

test('raw WebSockets and SSE streams hold subscription slots of their key too', async () => {
  await using server = await startTestServer({
    worker: false,
    subscriptionCaps: { perConnection: 100, perKey: 2 },
  });
  const submitted = await requestJson(`${server.url}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ workflow: 'echo', params: { value: 'x' }, run_at: '2099-01-01T00:00:00Z' }),
  });
  const taskId = (submitted.body as SubmitTaskOutput).task_id;
  const open: WebSocket[] = [];
  for (let i = 0; i < 2; i++) {
    const socket = new WebSocket(`${server.wsUrl}/ws/${taskId}`);
    await new Promise((resolve) => socket.once('message', resolve));
    open.push(socket);
  }
  const third = await readTaskSocket(server.wsUrl, taskId);
  expect(third.code).toBe(4429);
  expect(JSON.stringify(third.messages)).toContain('too many open subscriptions');
  const sse = await fetch(`${server.url}/tasks/${taskId}/stream`);
  expect(sse.status).toBe(429);
  for (const socket of open) socket.close();
});
