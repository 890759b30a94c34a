import type { SubmitTaskOutput } from '@kaygraph/contracts';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { bearer, openKeyStore } from './auth-keys.ts';
import { startTestServer, type TestServer } from './harness.ts';
import { waitForTerminal } from './http-helpers.ts';
import { TrpcSocket } from './trpc-socket.ts';

/** What must never reach a client: a stack trace, or a path of the server's files. */
const INTERNALS = [/"stack"/i, /\bat \S+ \(/, /\/work\//, /node_modules/, /\.ts:\d+/];

let server: TestServer;
let failedTask: string;
beforeAll(async () => {
  server = await startTestServer();
  const submitted = await fetch(`${server.url}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ workflow: 'steps', params: { steps: 1, delay_ms: 1, fail: true } }),
  });
  failedTask = ((await submitted.json()) as SubmitTaskOutput).task_id;
  expect(await waitForTerminal(server.url, failedTask)).toBe('failed');
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

function expectNoInternals(where: string, text: string) {
  for (const pattern of INTERNALS) expect(text, `${where} matches ${pattern}`).not.toMatch(pattern);
}

test('REST answers and tRPC error shapes carry no stack and no server path', async () => {
  const requests: [string, RequestInit?][] = [
    [`/tasks/${failedTask}`],
    [`/tasks/${failedTask}/result`],
    ['/tasks?status=failed'],
    ['/dead-letters'],
    ['/tasks/not-a-uuid'],
    ['/tasks/6f1f4c38-8a6f-4a1b-9c1e-2b7d3f4e5a60'],
    ['/tasks', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"workflow":' }],
    [
      '/tasks',
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"workflow":"nope"}' },
    ],
    [`/trpc/tasks.get?input=${encodeURIComponent(JSON.stringify({ task_id: failedTask }))}`],
    [`/trpc/tasks.get?input=${encodeURIComponent('{"task_id":"x"}')}`],
    ['/trpc/tasks.nothing'],
    ['/trpc/tasks.submit', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }],
    ['/no/such/route'],
  ];
  for (const [path, init] of requests) {
    const response = await fetch(`${server.url}${path}`, init);
    expectNoInternals(path, await response.text());
  }
});

test("a failed task's SSE stream, raw WebSocket and tRPC subscription carry no stack", async () => {
  const sse = await fetch(`${server.url}/tasks/${failedTask}/stream`);
  const sseText = await sse.text();
  expect(sseText).toContain('event: done');
  expectNoInternals('SSE', sseText);

  const socket = new WebSocket(`${server.wsUrl}/ws/${failedTask}`);
  const messages: string[] = [];
  socket.on('message', (raw) => messages.push(String(raw)));
  const reason = await new Promise<string>((resolve) =>
    socket.once('close', (_code, why) => resolve(String(why))),
  );
  expect(messages.join('\n')).toContain('"done":true');
  expectNoInternals('raw WebSocket', `${messages.join('\n')}\n${reason}`);

  const trpc = await TrpcSocket.open(server.wsUrl);
  const items: unknown[] = [];
  await trpc.subscribe('tasks.events', { task_id: failedTask }, (item) => {
    items.push(item);
    return false;
  });
  expect(items.length).toBeGreaterThan(0);
  expectNoInternals('tRPC subscription', JSON.stringify(items));
  const refused = await trpc.call('query', 'tasks.get', { task_id: 'x' });
  expectNoInternals('tRPC WebSocket error', JSON.stringify(refused));
  trpc.close();
});

test('tRPC over HTTP takes ?connectionParams= only for subscriptions: a query with the key in the URL is 401', async () => {
  await using keyed = await startTestServer({ worker: false, operations: {} });
  await using store = openKeyStore(keyed.databaseUrl);
  const { key } = await store.create('alice');
  const params = encodeURIComponent(JSON.stringify({ apiKey: key }));
  const input = encodeURIComponent(JSON.stringify({}));
  const inUrl = await fetch(`${keyed.url}/trpc/tasks.list?input=${input}&connectionParams=${params}`);
  expect(inUrl.status).toBe(401);
  const inHeader = await fetch(`${keyed.url}/trpc/tasks.list?input=${input}`, { headers: bearer(key) });
  expect(inHeader.status).toBe(200);
  // An SSE subscription (EventSource cannot send headers) still may.
  const subscription = await fetch(`${keyed.url}/trpc/tasks.feed?input=${input}&connectionParams=${params}`, {
    headers: { accept: 'text/event-stream' },
  });
  expect(subscription.status).toBe(200);
  expect(subscription.headers.get('content-type')).toMatch(/text\/event-stream/);
  await subscription.body?.cancel();
});
