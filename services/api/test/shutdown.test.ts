import type { SubmitTaskOutput } from '@kaygraph/contracts';
import { expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { startTestServer } from './harness.ts';
import { postJson, readSse, type SseMessage } from './http-helpers.ts';

test('closing the server tells open streams to reconnect: SSE gets a short retry, the raw socket 1012', async () => {
  await using server = await startTestServer();
  const submitted = await postJson(`${server.url}/tasks`, {
    workflow: 'steps',
    params: { steps: 200, delay_ms: 50 },
  });
  const taskId = (submitted.body as SubmitTaskOutput).task_id;

  const response = await fetch(`${server.url}/tasks/${taskId}/stream`);
  if (!response.body) throw new Error('no body');
  const sse: SseMessage[] = [];
  const sseDone = (async () => {
    if (!response.body) return;
    for await (const message of readSse(response.body)) sse.push(message);
  })();

  const socket = new WebSocket(`${server.wsUrl}/ws/${taskId}`);
  const firstMessage = new Promise((resolve) => socket.once('message', resolve));
  const socketClosed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  await firstMessage;
  while (!sse.some((message) => message.event === 'status'))
    await new Promise((resolve) => setTimeout(resolve, 10));

  await server.server.close();

  expect(await socketClosed).toBe(1012);
  await sseDone;
  expect(sse.at(-1)).toEqual({ retry: '500' });
  expect(sse.some((message) => message.event === 'done')).toBe(false);
  // Not part of the check: spares the worker its shutdown grace period.
  await server.system.tasks.cancel({ owner: 'anonymous', admin: false }, taskId);
});
