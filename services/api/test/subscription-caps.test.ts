import { expect, test } from 'vitest';
import { startTestServer } from './harness.ts';
import { TrpcSocket, type TrpcSocketError } from './trpc-socket.ts';

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
