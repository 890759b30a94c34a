import { type StreamToken, TASK_SOCKET_CLOSE } from '@kaygraph/contracts';
import { connect } from '@kaygraph/db';
import { capturingLogger } from '@kaygraph/tasks/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { signStreamToken } from '../src/auth/stream-token.ts';
import { loadStreamTokenSecret } from '../src/auth/stream-token-secret.ts';
import { bearer, openKeyStore, submitWithKey } from './auth-keys.ts';
import { startTestServer, type TestServer } from './harness.ts';
import { readSse, requestJson } from './http-helpers.ts';

/**
 * Stream tokens: what a browser's EventSource or WebSocket puts in its URL instead of the API key. A token
 * reads the one stream it was made for, as the key that asked, until it expires; it does nothing else.
 */
const { logger, lines } = capturingLogger('debug');
let server: TestServer;
let alice: { key: string; id: string };
let bob: { key: string; id: string };
/** Alice's: one completed, one waiting for its `approval` signal (it runs until a test sends it). */
let doneTask: string;
let waitingTask: string;

async function streamToken(path: string, key: string | undefined): Promise<StreamToken> {
  const answer = await requestJson(`${server.url}${path}/stream-token`, {
    method: 'POST',
    headers: bearer(key),
  });
  expect(answer.status).toBe(200);
  return answer.body as StreamToken;
}

const taskToken = (taskId: string, key = alice.key) => streamToken(`/tasks/${taskId}`, key);

/** GET the task's SSE stream with `query`; the answer's status and, for a 200, its text up to the end. */
async function sse(path: string, query: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${server.url}${path}?${query}`, { headers: { accept: 'text/event-stream' } });
  return { status: response.status, text: await response.text() };
}

/** Opens `/ws/{task_id}?query`, sends `send` once open; every message until the close, and its code. */
async function socket(taskId: string, query: string, send?: unknown) {
  const ws = new WebSocket(`${server.wsUrl}/ws/${taskId}?${query}`);
  const messages: Record<string, unknown>[] = [];
  ws.on('message', (raw) => messages.push(JSON.parse(String(raw))));
  if (send !== undefined) ws.once('open', () => ws.send(JSON.stringify(send)));
  const code = await new Promise<number>((resolve, reject) => {
    ws.once('close', (closeCode) => resolve(closeCode));
    ws.once('error', reject);
  });
  return { messages, code };
}

async function signal(taskId: string): Promise<void> {
  const answer = await requestJson(`${server.url}/tasks/${taskId}/signals/approval`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(alice.key) },
    body: JSON.stringify({ approved: true }),
  });
  expect(answer.status).toBe(200);
}

async function statusOf(taskId: string): Promise<string> {
  const answer = await requestJson(`${server.url}/tasks/${taskId}`, { headers: bearer(alice.key) });
  return (answer.body as { status: string }).status;
}

async function waitForStatus(taskId: string, status: string): Promise<void> {
  while ((await statusOf(taskId)) !== status) await new Promise((resolve) => setTimeout(resolve, 25));
}

/** A token signed with the database's secret, as the api signs them, with the claims a test needs. */
async function signedToken(taskId: string, keyId: string, expiresAtSeconds: number): Promise<string> {
  const { sql, close } = connect(server.databaseUrl, { max: 1 });
  try {
    const secret = await loadStreamTokenSecret(sql);
    return signStreamToken(secret, { scope: { kind: 'task', id: taskId }, keyId, expiresAtSeconds });
  } finally {
    await close();
  }
}

beforeAll(async () => {
  server = await startTestServer({ operations: {}, logger });
  await using store = openKeyStore(server.databaseUrl);
  alice = await store.create('alice');
  bob = await store.create('bob');
  doneTask = await submitWithKey(server.url, alice.key, { workflow: 'echo', params: { value: 'seen' } });
  waitingTask = await submitWithKey(server.url, alice.key, { workflow: 'approval', params: {} });
  await waitForStatus(doneTask, 'completed');
  await waitForStatus(waitingTask, 'waiting');
});

afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

describe('a stream token', () => {
  test('is made for a task its key may see, and says when it expires', async () => {
    const before = Date.now();
    const { token, expires_at } = await taskToken(doneTask);
    expect(token).toMatch(/^kgst_/);
    expect(Date.parse(expires_at)).toBeGreaterThan(before);
    expect(Date.parse(expires_at)).toBeLessThanOrEqual(before + 301_000);
    // Over tRPC too, from the same contract.
    const trpc = await requestJson(`${server.url}/trpc/tasks.streamToken`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(alice.key) },
      body: JSON.stringify({ task_id: doneTask }),
    });
    expect(trpc.status).toBe(200);
    expect(trpc.body).toMatchObject({ result: { data: { token: expect.stringMatching(/^kgst_/) } } });
  });

  test("another owner's task, or none: 404, as every task route; no key: 401", async () => {
    const refused = await requestJson(`${server.url}/tasks/${doneTask}/stream-token`, {
      method: 'POST',
      headers: bearer(bob.key),
    });
    expect(refused.status).toBe(404);
    expect(refused.body).toMatchObject({ code: 'NOT_FOUND' });
    const anonymous = await requestJson(`${server.url}/tasks/${doneTask}/stream-token`, { method: 'POST' });
    expect(anonymous.status).toBe(401);
  });

  test("opens its task's SSE stream and raw socket, which carry its events to the end", async () => {
    const { token } = await taskToken(doneTask);
    const stream = await sse(`/tasks/${doneTask}/stream`, `token=${token}`);
    expect(stream.status).toBe(200);
    expect(stream.text).toContain('event: status');
    expect(stream.text).toContain('event: done');
    expect(stream.text).toContain('"value":"seen"');
    const ws = await socket(doneTask, `token=${token}`);
    expect(ws.code).toBe(TASK_SOCKET_CLOSE.done);
    expect(ws.messages.at(-1)).toMatchObject({ done: true, final_status: 'completed' });
  });

  test('a page whose token expired opens a new stream with a new one where the old stopped', async () => {
    const idsOf = (text: string) => [...text.matchAll(/^id: (.+)$/gm)].map((match) => match[1]);
    const first = await sse(`/tasks/${doneTask}/stream`, `token=${(await taskToken(doneTask)).token}`);
    const ids = idsOf(first.text);
    expect(ids.length).toBeGreaterThan(2);
    const { token } = await taskToken(doneTask);
    const resumed = await sse(`/tasks/${doneTask}/stream`, `token=${token}&last_event_id=${ids[0]}`);
    expect(resumed.status).toBe(200);
    expect(idsOf(resumed.text)).toEqual(ids.slice(1));
  });

  test('a stream it opened runs on to its end after the token expired', async () => {
    const expiresAtSeconds = Math.floor(Date.now() / 1000) + 1;
    const token = await signedToken(waitingTask, alice.id, expiresAtSeconds);
    const response = await fetch(`${server.url}/tasks/${waitingTask}/stream?token=${token}`);
    expect(response.status).toBe(200);
    if (!response.body) throw new Error('no body');
    const events = readSse(response.body);
    for (;;) {
      const { value } = await events.next();
      if (value?.event === 'waiting') break;
    }
    // Waits for the expiry to pass (a condition, not a timing): then the token opens nothing new ...
    while (Date.now() <= expiresAtSeconds * 1000) await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await sse(`/tasks/${waitingTask}/stream`, `token=${token}`)).status).toBe(401);
    // ... while the stream it opened still follows the task to its end.
    await signal(waitingTask);
    const seen: string[] = [];
    for await (const message of events) if (message.event) seen.push(message.event);
    expect(seen.at(-1)).toBe('done');
  });
});

describe('refused tokens', () => {
  let otherTask: string;
  let expected: unknown;

  beforeAll(async () => {
    otherTask = await submitWithKey(server.url, alice.key, { workflow: 'echo', params: { value: 'other' } });
    await waitForStatus(otherTask, 'completed');
    const answer = await requestJson(`${server.url}/tasks/${otherTask}/stream?token=kgst_forged.forged`);
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expected = answer.body;
    expect(expected).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  /** The token is refused on the task's SSE stream and socket with the answer every refusal gets. */
  async function expectRefused(taskId: string, token: string): Promise<void> {
    const answer = await requestJson(
      `${server.url}/tasks/${taskId}/stream?token=${encodeURIComponent(token)}`,
    );
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual(expected);
    const ws = await socket(taskId, `token=${encodeURIComponent(token)}`);
    expect(ws.code).toBe(4401);
    expect(ws.messages).toEqual([{ task_id: taskId, error: expected }]);
  }

  test("another task's token, an expired one, a forged one, one of a revoked key: one answer, 401 / 4401", async () => {
    const forTheOther = (await taskToken(doneTask)).token;
    await expectRefused(otherTask, forTheOther);
    await expectRefused(otherTask, await signedToken(otherTask, alice.id, Math.floor(Date.now() / 1000) - 1));
    const own = (await taskToken(otherTask)).token;
    await expectRefused(otherTask, `${own.slice(0, -2)}${own.endsWith('AA') ? 'BB' : 'AA'}`);
    await expectRefused(otherTask, 'kgst_not-a-token');
    // A token made by a database with another secret.
    await expectRefused(
      otherTask,
      signStreamToken(Buffer.alloc(32, 7), {
        scope: { kind: 'task', id: otherTask },
        keyId: alice.id,
        expiresAtSeconds: Math.floor(Date.now() / 1000) + 300,
      }),
    );
    // The API key in its place is no token either.
    await expectRefused(otherTask, alice.key);

    await using store = openKeyStore(server.databaseUrl);
    const carol = await store.create('carol', { owner: 'alice' });
    const carols = (await taskToken(otherTask, carol.key)).token;
    expect((await sse(`/tasks/${otherTask}/stream`, `token=${carols}`)).status).toBe(200);
    await store.revoke(carol.id);
    await expectRefused(otherTask, carols);
  });

  test('the token is the only credential read: a valid key beside a bad token does not help', async () => {
    const response = await fetch(
      `${server.url}/tasks/${otherTask}/stream?token=kgst_x.y&api_key=${alice.key}`,
      {
        headers: bearer(alice.key),
      },
    );
    expect(response.status).toBe(401);
    await response.body?.cancel();
  });
});

describe('a token does nothing but read its stream', () => {
  test('no REST or tRPC call takes it, as a header or in the query', async () => {
    const { token } = await taskToken(doneTask);
    const tasksBefore = await server.countTasks();
    const json = { 'content-type': 'application/json' };
    const submit = JSON.stringify({ workflow: 'echo', params: { value: 'x' } });
    const calls: [string, string, RequestInit][] = [
      ['POST', '/tasks', { headers: { ...json, ...bearer(token) }, body: submit }],
      ['GET', '/tasks', { headers: bearer(token) }],
      ['GET', `/tasks/${doneTask}`, { headers: bearer(token) }],
      ['GET', `/tasks/${doneTask}/result`, { headers: bearer(token) }],
      ['DELETE', `/tasks/${waitingTask}`, { headers: bearer(token) }],
      ['POST', `/tasks/${doneTask}/stream-token`, { headers: bearer(token) }],
      ['GET', '/trpc/tasks.list', { headers: bearer(token) }],
      ['GET', `/tasks/${doneTask}/stream`, { headers: bearer(token) }],
    ];
    for (const [method, path, init] of calls) {
      const answer = await requestJson(`${server.url}${path}`, { method, ...init });
      expect(answer.status, `${method} ${path}`).toBe(401);
    }
    for (const [method, path, init] of [
      ['POST', '/tasks', { headers: json, body: submit }],
      ['GET', '/tasks', {}],
      ['DELETE', `/tasks/${waitingTask}`, {}],
      ['GET', `/tasks/${doneTask}/artifacts/report.csv`, {}],
    ] as [string, string, RequestInit][]) {
      const answer = await requestJson(`${server.url}${path}?token=${token}`, { method, ...init });
      expect([400, 401], `${method} ${path}?token=`).toContain(answer.status);
    }
    expect(await server.countTasks()).toBe(tasksBefore);
  });

  test('a socket opened with it watches only: a cancel is refused and the task runs on', async () => {
    const taskId = await submitWithKey(server.url, alice.key, { workflow: 'approval', params: {} });
    await waitForStatus(taskId, 'waiting');
    const { token } = await taskToken(taskId);
    const ws = new WebSocket(`${server.wsUrl}/ws/${taskId}?token=${token}`);
    const refusal = new Promise<unknown>((resolve) => {
      ws.on('message', (raw) => {
        const message = JSON.parse(String(raw)) as { error?: unknown };
        if (message.error) resolve(message);
      });
    });
    ws.once('open', () => ws.send(JSON.stringify({ type: 'cancel' })));
    expect(await refusal).toMatchObject({ task_id: taskId, error: { code: 'FORBIDDEN' } });
    expect(await statusOf(taskId)).toBe('waiting');
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    await signal(taskId);
    expect(await closed).toBe(TASK_SOCKET_CLOSE.done);
  });
});

describe('groups', () => {
  test("a group's token opens its stream, and neither a task's token nor it opens the other's", async () => {
    const created = await requestJson(`${server.url}/groups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(alice.key) },
      body: JSON.stringify({ name: 'batch', tasks: [{ workflow: 'echo', params: { value: 'g' } }] }),
    });
    expect(created.status).toBeLessThan(300);
    const groupId = (created.body as { group_id: string }).group_id;
    const { token } = await streamToken(`/groups/${groupId}`, alice.key);
    const stream = await sse(`/groups/${groupId}/stream`, `token=${token}`);
    expect(stream.status).toBe(200);
    expect(stream.text).toContain('event: group');
    expect((await sse(`/tasks/${doneTask}/stream`, `token=${token}`)).status).toBe(401);
    const forTask = (await taskToken(doneTask)).token;
    expect((await sse(`/groups/${groupId}/stream`, `token=${forTask}`)).status).toBe(401);
    const bobs = await requestJson(`${server.url}/groups/${groupId}/stream-token`, {
      method: 'POST',
      headers: bearer(bob.key),
    });
    expect(bobs.status).toBe(404);
  });
});

describe('another replica', () => {
  test('opens the stream with a token this one made (the secret is in the database)', async () => {
    await using replica = await startTestServer({
      databaseUrl: server.databaseUrl,
      worker: false,
      operations: {},
    });
    const { token } = await taskToken(doneTask);
    const response = await fetch(`${replica.url}/tasks/${doneTask}/stream?token=${token}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('event: done');
  });
});

test('the log never carries a token or a key, from the query or a header', async () => {
  const { token } = await taskToken(doneTask);
  await sse(`/tasks/${doneTask}/stream`, `token=${token}`);
  await sse(`/tasks/${doneTask}/stream`, `api_key=${alice.key}`);
  await sse(`/tasks/${doneTask}/stream`, 'token=kgst_refused.token');
  await socket(doneTask, `token=${token}`);
  await socket(doneTask, `api_key=${alice.key}`);
  await requestJson(`${server.url}/tasks?token=${token}`);
  const logged = JSON.stringify(lines);
  expect(lines.some((line) => line.msg === 'request completed')).toBe(true);
  for (const secret of [token, 'kgst_refused', alice.key, bob.key]) expect(logged).not.toContain(secret);
});

describe('an api without keys', () => {
  test('answers a token that adds nothing, until the api requires keys', async () => {
    await using open = await startTestServer({ operations: {} });
    const taskId = await submitWithKey(open.url, undefined, { workflow: 'echo', params: { value: 'open' } });
    const answer = await requestJson(`${open.url}/tasks/${taskId}/stream-token`, { method: 'POST' });
    expect(answer.status).toBe(200);
    const { token } = answer.body as StreamToken;
    const stream = await fetch(`${open.url}/tasks/${taskId}/stream?token=${token}`);
    expect(stream.status).toBe(200);
    expect(await stream.text()).toContain('event: done');
    // The first key turns auth on: the token of the open api no longer opens anything.
    const created = await requestJson(`${open.url}/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'admin', admin: true }),
    });
    expect(created.status).toBe(200);
    const refused = await requestJson(`${open.url}/tasks/${taskId}/stream?token=${token}`);
    expect(refused.status).toBe(401);
  });

  test('a server started without operations says stream tokens are not enabled (503)', async () => {
    await using bare = await startTestServer({ worker: false });
    const taskId = await submitWithKey(bare.url, undefined, { workflow: 'echo', params: { value: 'bare' } });
    const answer = await requestJson(`${bare.url}/tasks/${taskId}/stream-token`, { method: 'POST' });
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ code: 'UNAVAILABLE' });
  });
});
