import { SSE_RETRY_MS, type SubmitTaskOutput } from '@kaygraph/contracts';
import { expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { startTestServer } from './harness.ts';
import { postJson, readSse, type SseMessage } from './http-helpers.ts';

/** Reads an event stream into `into` until the server ends or cuts it. */
async function collect(response: Response, into: SseMessage[]): Promise<void> {
  if (!response.body) throw new Error('no body');
  try {
    for await (const message of readSse(response.body)) into.push(message);
  } catch {
    // Cut: as a client sees it, the stream ended without finishing.
  }
}

test('closing the server tells open streams to reconnect: SSE streams end unfinished (after their retry hint), the raw socket gets 1012', async () => {
  await using server = await startTestServer();
  const submitted = await postJson(`${server.url}/tasks`, {
    workflow: 'steps',
    params: { steps: 200, delay_ms: 50 },
  });
  const taskId = (submitted.body as SubmitTaskOutput).task_id;

  const sse: SseMessage[] = [];
  const sseDone = collect(await fetch(`${server.url}/tasks/${taskId}/stream`), sse);
  const input = encodeURIComponent(JSON.stringify({ task_id: taskId }));
  const trpcSse: SseMessage[] = [];
  const trpcSseDone = collect(await fetch(`${server.url}/trpc/tasks.events?input=${input}`), trpcSse);

  const socket = new WebSocket(`${server.wsUrl}/ws/${taskId}`);
  const firstMessage = new Promise((resolve) => socket.once('message', resolve));
  const socketClosed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  await firstMessage;
  const sawData = (messages: SseMessage[]) => messages.some((message) => message.data !== undefined);
  while (!sse.some((message) => message.event === 'status') || !sawData(trpcSse))
    await new Promise((resolve) => setTimeout(resolve, 10));

  await server.server.close();

  expect(await socketClosed).toBe(1012);
  await Promise.all([sseDone, trpcSseDone]);
  // Each began with the hint that has its client reconnect soon, and ended before its task did.
  for (const messages of [sse, trpcSse]) expect(messages[0]).toEqual({ retry: String(SSE_RETRY_MS) });
  expect(sse.some((message) => message.event === 'done')).toBe(false);
  expect(trpcSse.some((message) => message.event === 'return')).toBe(false);
  // Not part of the check: spares the worker its shutdown grace period.
  await server.system.tasks.cancel({ owner: 'anonymous', admin: false }, taskId);
});
