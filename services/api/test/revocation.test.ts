import type { SubmitTaskOutput } from '@kaygraph/contracts';
import { expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { bearer, openKeyStore } from './auth-keys.ts';
import { startTestServer } from './harness.ts';
import { readSse, requestJson, type SseMessage } from './http-helpers.ts';
import { TrpcSocket } from './trpc-socket.ts';

test('revoking a key closes its open tRPC WebSocket, raw WebSocket and SSE streams, on every replica', async () => {
  await using server = await startTestServer({ operations: {} });
  await using replica = await startTestServer({
    databaseUrl: server.databaseUrl,
    operations: {},
    worker: false,
  });
  await using store = openKeyStore(server.databaseUrl);
  const { key, id } = await store.create('alice');
  const submitted = await requestJson(`${server.url}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(key) },
    body: JSON.stringify({ workflow: 'steps', params: { steps: 200, delay_ms: 50 } }),
  });
  expect(submitted.status).toBe(202);
  const taskId = (submitted.body as SubmitTaskOutput).task_id;

  // A tRPC WebSocket that has already acted with the key.
  const trpc = await TrpcSocket.open(server.wsUrl, key);
  expect((await trpc.call('query', 'tasks.get', { task_id: taskId })).error).toBeUndefined();

  // The raw task socket on the other replica, with its first update in.
  const raw = new WebSocket(`${replica.wsUrl}/ws/${taskId}`, { headers: bearer(key) });
  const rawClosed = new Promise<{ code: number; reason: string }>((resolve) =>
    raw.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise((resolve) => raw.once('message', resolve));

  // An SSE stream, with its first event in.
  const response = await fetch(`${server.url}/tasks/${taskId}/stream`, { headers: bearer(key) });
  if (!response.body) throw new Error('no body');
  const sse: SseMessage[] = [];
  let sawEvent: () => void = () => undefined;
  const firstEvent = new Promise<void>((resolve) => {
    sawEvent = resolve;
  });
  const sseDone = (async () => {
    if (!response.body) return;
    for await (const message of readSse(response.body)) {
      sse.push(message);
      if (message.event) sawEvent();
    }
  })();
  await firstEvent;

  await store.revoke(id);

  expect(await trpc.closed).toEqual({ code: 4401, reason: 'API key revoked' });
  expect(await rawClosed).toEqual({ code: 4401, reason: 'UNAUTHORIZED' });
  await sseDone;
  const last = sse.at(-1);
  expect(last?.event).toBe('error');
  expect(JSON.parse(last?.data ?? '{}')).toEqual({ code: 'UNAUTHORIZED', message: 'API key revoked' });
  // New requests with the key are refused at once, not after a cache expires.
  expect((await requestJson(`${server.url}/tasks/${taskId}`, { headers: bearer(key) })).status).toBe(401);
  expect((await requestJson(`${replica.url}/tasks/${taskId}`, { headers: bearer(key) })).status).toBe(401);

  // Not part of the check: spares the worker its shutdown grace period.
  await server.system.tasks.cancel({ owner: 'alice', admin: false }, taskId);
});
