import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { requestJson } from './http-helpers.ts';
import { TrpcSocket } from './trpc-socket.ts';

/**
 * tRPC error shapes as clients see them: the tRPC code (`code`, `data.code`), the HTTP status and the
 * ErrorBody agree on every surface, a subscription refused after it started included; stacks only
 * when the server runs with NODE_ENV=development (`errorStacks`).
 */
let server: TestServer;
let withStacks: TestServer;

beforeAll(async () => {
  [server, withStacks] = await Promise.all([
    startTestServer({ worker: false }),
    startTestServer({ worker: false, errorStacks: true }),
  ]);
});
afterAll(async () => {
  await Promise.all([server?.[Symbol.asyncDispose](), withStacks?.[Symbol.asyncDispose]()]);
});

const NOT_FOUND = -32004;

/** The `serialized-error` event of a tRPC SSE subscription, read raw. */
async function sseError(url: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, { headers: { accept: 'text/event-stream' } });
  const reader = response.body?.getReader();
  if (!reader) throw new Error('no body');
  let text = '';
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const match = /event: serialized-error\ndata: (.*)\n/.exec(text);
      if (match?.[1]) return JSON.parse(match[1]) as Record<string, unknown>;
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended without an error: ${text}`);
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel();
  }
}

describe('tasks.events refused mid-stream (unknown task)', () => {
  test('over WebSocket: code NOT_FOUND, 404, ErrorBody NOT_FOUND, no stack', async () => {
    const socket = await TrpcSocket.open(server.wsUrl);
    try {
      const { error } = await socket.subscribe('tasks.events', { task_id: randomUUID() }, () => true);
      expect(error).toMatchObject({
        code: NOT_FOUND,
        data: { code: 'NOT_FOUND', httpStatus: 404, errorBody: { code: 'NOT_FOUND' } },
      });
      expect(error?.data).not.toHaveProperty('stack');
    } finally {
      socket.close();
    }
  });

  test('over SSE (httpSubscriptionLink): the same shape', async () => {
    const input = encodeURIComponent(JSON.stringify({ task_id: randomUUID() }));
    const error = await sseError(`${server.url}/trpc/tasks.events?input=${input}`);
    expect(error).toMatchObject({
      code: NOT_FOUND,
      data: { code: 'NOT_FOUND', httpStatus: 404, errorBody: { code: 'NOT_FOUND' } },
    });
    expect(error.data).not.toHaveProperty('stack');
  });
});

describe('stacks', () => {
  const input = () => encodeURIComponent(JSON.stringify({ task_id: randomUUID() }));

  test('hidden unless NODE_ENV=development, though tests run with NODE_ENV=test', async () => {
    const answer = await requestJson(`${server.url}/trpc/tasks.get?input=${input()}`);
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ error: { code: NOT_FOUND, data: { code: 'NOT_FOUND' } } });
    expect((answer.body as { error: { data: object } }).error.data).not.toHaveProperty('stack');
  });

  test('shown with errorStacks (NODE_ENV=development)', async () => {
    const answer = await requestJson(`${withStacks.url}/trpc/tasks.get?input=${input()}`);
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ error: { data: { code: 'NOT_FOUND', stack: expect.any(String) } } });
  });
});
