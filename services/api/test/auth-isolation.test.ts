import { type ListWorkflowsOutput, TASK_SOCKET_CLOSE, type TaskEvent } from '@kaygraph/contracts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bearer, openKeyStore, submitWithKey } from './auth-keys.ts';
import { useServerWithKeys } from './harness.ts';
import { readSse, requestJson } from './http-helpers.ts';
import { readTaskSocket, TrpcSocket } from './trpc-socket.ts';

/**
 * The isolation matrix: on every surface (tRPC over HTTP and WebSocket, REST, SSE, the raw task
 * socket, the live feed) owner B cannot see, stream, cancel or retry owner A's task and gets the
 * same answer as for a task that does not exist; admin keys see everything; no key gets 401.
 */
// A short cache, so the revocation test sees the revocation soon.
const api = useServerWithKeys({ operations: { authCacheMs: 100 } });

/** Alice's: one finished (failed, so retry would apply) and one still running. */
let failedTask: string;
let runningTask: string;
const missingTask = '00000000-0000-4000-8000-000000000000';

function submit(key: string, body: unknown): Promise<string> {
  return submitWithKey(api.server.url, key, body);
}

async function waitUntil(key: string, taskId: string, done: (status: string) => boolean): Promise<void> {
  for (;;) {
    const answer = await requestJson(`${api.server.url}/tasks/${taskId}`, { headers: bearer(key) });
    if (done((answer.body as { status: string }).status)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function trpcGet(path: string, input: unknown, key?: string) {
  const query = encodeURIComponent(JSON.stringify(input));
  return requestJson(`${api.server.url}/trpc/${path}?input=${query}`, { headers: bearer(key) });
}

function trpcPost(path: string, input: unknown, key?: string) {
  return requestJson(`${api.server.url}/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(key) },
    body: JSON.stringify(input),
  });
}

beforeAll(async () => {
  failedTask = await submit(api.alice, { workflow: 'steps', params: { steps: 1, delay_ms: 1, fail: true } });
  runningTask = await submit(api.alice, { workflow: 'steps', params: { steps: 200, delay_ms: 200 } });
  await waitUntil(api.alice, failedTask, (status) => status === 'failed');
});

afterAll(async () => {
  await api.server?.[Symbol.asyncDispose]();
});

describe('tRPC over HTTP', () => {
  test.each([['tasks.get'], ['tasks.progress'], ['tasks.result']])(
    "%s of another owner's task answers 404 NOT_FOUND, like a missing task",
    async (path) => {
      for (const taskId of [failedTask, missingTask]) {
        const answer = await trpcGet(path, { task_id: taskId }, api.bob);
        expect(answer.status).toBe(404);
        expect(answer.body).toMatchObject({ error: { data: { code: 'NOT_FOUND', httpStatus: 404 } } });
      }
    },
  );

  test.each([
    ['tasks.cancel', () => runningTask],
    ['tasks.retry', () => failedTask],
  ])("%s of another owner's task answers 404 and changes nothing", async (path, task) => {
    const answer = await trpcPost(path, { task_id: task() }, api.bob);
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ error: { data: { code: 'NOT_FOUND' } } });
    const owner = await trpcGet('tasks.get', { task_id: task() }, api.alice);
    expect((owner.body as { result: { data: { status: string } } }).result.data.status).toBe(
      path === 'tasks.cancel' ? 'running' : 'failed',
    );
  });

  test("list shows only the caller's tasks; admin sees every owner's", async () => {
    const bobsTask = await submit(api.bob, { workflow: 'echo', params: { value: 'bob' } });
    const ids = async (key: string) => {
      const answer = await trpcGet('tasks.list', { limit: 100 }, key);
      expect(answer.status).toBe(200);
      return (answer.body as { result: { data: { items: { task_id: string }[] } } }).result.data.items.map(
        (task) => task.task_id,
      );
    };
    expect(await ids(api.bob)).toEqual([bobsTask]);
    expect(new Set(await ids(api.alice))).toEqual(new Set([failedTask, runningTask]));
    expect(new Set(await ids(api.admin))).toEqual(new Set([failedTask, runningTask, bobsTask]));
  });

  test("admin reads another owner's task", async () => {
    const answer = await trpcGet('tasks.get', { task_id: failedTask }, api.admin);
    expect(answer.status).toBe(200);
  });

  test('no key, a wrong key: 401 UNAUTHORIZED', async () => {
    for (const key of [undefined, 'kg_not-a-real-key']) {
      const answer = await trpcGet('tasks.list', {}, key);
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ error: { data: { code: 'UNAUTHORIZED' } } });
    }
    const submitted = await trpcPost('tasks.submit', { workflow: 'echo', params: { value: 'x' } });
    expect(submitted.status).toBe(401);
  });
});

describe('REST', () => {
  test.each([
    ['GET', (id: string) => `/tasks/${id}`],
    ['GET', (id: string) => `/tasks/${id}/progress`],
    ['GET', (id: string) => `/tasks/${id}/result`],
    ['DELETE', (id: string) => `/tasks/${id}`],
    ['POST', (id: string) => `/tasks/${id}/retry`],
  ])("%s %s of another owner's task: 404 NOT_FOUND", async (method, path) => {
    for (const taskId of [method === 'DELETE' ? runningTask : failedTask, missingTask]) {
      const answer = await requestJson(`${api.server.url}${path(taskId)}`, {
        method,
        headers: bearer(api.bob),
      });
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ code: 'NOT_FOUND' });
    }
  });

  test('no key: 401 with an ErrorBody; a revoked key stops working', async () => {
    const none = await requestJson(`${api.server.url}/tasks`);
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ code: 'UNAUTHORIZED' });
    await using store = openKeyStore(api.server.databaseUrl);
    const carol = await store.create('carol');
    expect((await requestJson(`${api.server.url}/tasks`, { headers: bearer(carol.key) })).status).toBe(200);
    expect((await store.revoke(carol.id))?.revoked_at).not.toBeNull();
    // Verified keys are trusted for authCacheMs: wait for the revocation to land, then stay refused.
    for (;;) {
      const answer = await requestJson(`${api.server.url}/tasks`, { headers: bearer(carol.key) });
      if (answer.status === 401) break;
      expect(answer.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect((await requestJson(`${api.server.url}/tasks`, { headers: bearer(carol.key) })).status).toBe(401);
  });

  test("workflows: a key that is not an admin's sees the live workers but not where they run", async () => {
    const workersSeenBy = async (key: string) => {
      const answer = await requestJson(`${api.server.url}/workflows`, { headers: bearer(key) });
      expect(answer.status).toBe(200);
      const { workflows } = answer.body as ListWorkflowsOutput;
      return workflows.flatMap((workflow) => workflow.versions.flatMap((version) => version.workers));
    };
    const seenByBob = await workersSeenBy(api.bob);
    expect(seenByBob.length).toBeGreaterThan(0);
    for (const worker of seenByBob) expect(worker).toMatchObject({ host: null, pid: null });
    const seenByAdmin = await workersSeenBy(api.admin);
    expect(seenByAdmin.map((worker) => worker.id)).toEqual(seenByBob.map((worker) => worker.id));
    for (const worker of seenByAdmin)
      expect(worker).toMatchObject({ host: expect.any(String), pid: process.pid });
  });

  test("the API document is open, but names the registered workflows and their params only to a key's holder", async () => {
    const served = async (headers: Record<string, string>) => {
      const answer = await requestJson(`${api.server.url}/openapi.json`, { headers });
      expect(answer.status).toBe(200);
      return JSON.stringify(answer.body);
    };
    expect(await served({})).not.toContain('WorkflowParams.');
    expect(await served(bearer('kg_not_a_key'))).not.toContain('WorkflowParams.');
    expect(await served(bearer(api.bob))).toContain('WorkflowParams.echo');
  });

  test('health and readiness stay open for probes', async () => {
    expect((await requestJson(`${api.server.url}/health`)).status).toBe(200);
    expect((await requestJson(`${api.server.url}/ready`)).status).toBe(200);
  });
});

describe('groups (sets of tasks)', () => {
  test("another owner's group: 404 on read, stream and cancel, absent from lists; admin reads it", async () => {
    const created = await requestJson(`${api.server.url}/groups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(api.alice) },
      body: JSON.stringify({ name: 'alice batch', tasks: [{ workflow: 'echo', params: { value: 'g' } }] }),
    });
    expect(created.status).toBeLessThan(300);
    const groupId = (created.body as { group_id: string }).group_id;
    for (const [method, path] of [
      ['GET', `/groups/${groupId}`],
      ['GET', `/groups/${groupId}/stream`],
      ['DELETE', `/groups/${groupId}`],
    ] as const) {
      const answer = await requestJson(`${api.server.url}${path}`, { method, headers: bearer(api.bob) });
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ code: 'NOT_FOUND' });
    }
    const bobs = await requestJson(`${api.server.url}/groups`, { headers: bearer(api.bob) });
    expect(JSON.stringify(bobs.body)).not.toContain(groupId);
    expect(
      (await requestJson(`${api.server.url}/groups/${groupId}`, { headers: bearer(api.admin) })).status,
    ).toBe(200);
  });
});

describe('SSE stream', () => {
  test("another owner's task: 404 before any event; no key: 401; the owner streams it", async () => {
    const stream = (key?: string) =>
      fetch(`${api.server.url}/tasks/${failedTask}/stream`, {
        headers: { accept: 'text/event-stream', ...bearer(key) },
      });
    const refused = await stream(api.bob);
    expect(refused.status).toBe(404);
    expect(await refused.json()).toMatchObject({ code: 'NOT_FOUND' });
    const anonymous = await stream();
    expect(anonymous.status).toBe(401);
    await anonymous.body?.cancel();
    const own = await stream(api.alice);
    expect(own.status).toBe(200);
    expect(await own.text()).toContain('event: done');
    // Browsers cannot set headers on EventSource: the key may come as ?api_key=, with the same rules.
    const byQuery = await fetch(`${api.server.url}/tasks/${failedTask}/stream?api_key=${api.bob}`);
    expect(byQuery.status).toBe(404);
    await byQuery.body?.cancel();
  });
});

describe('tRPC subscriptions over SSE (httpSubscriptionLink)', () => {
  async function subscribeOverSse(query: string, key?: string): Promise<{ event: string; data: unknown }> {
    const input = encodeURIComponent(JSON.stringify({ task_id: failedTask }));
    const response = await fetch(`${api.server.url}/trpc/tasks.events?input=${input}${query}`, {
      headers: bearer(key),
    });
    expect(response.status).toBe(200);
    if (!response.body) throw new Error('no body');
    for await (const message of readSse(response.body)) {
      if (message.data === undefined || message.event === 'connected' || message.event === 'ping') continue;
      await response.body.cancel().catch(() => {});
      return { event: message.event ?? 'message', data: JSON.parse(message.data) };
    }
    throw new Error('the stream ended without an event');
  }

  test("tasks.events of another owner's task is refused with NOT_FOUND (404), key in header or params", async () => {
    const byHeader = await subscribeOverSse('', api.bob);
    expect(byHeader.event).toBe('serialized-error');
    expect(byHeader.data).toMatchObject({ data: { httpStatus: 404, errorBody: { code: 'NOT_FOUND' } } });
    const params = encodeURIComponent(JSON.stringify({ apiKey: api.bob }));
    const byParams = await subscribeOverSse(`&connectionParams=${params}`);
    expect(byParams.data).toMatchObject({ data: { httpStatus: 404, errorBody: { code: 'NOT_FOUND' } } });
    const anonymous = await subscribeOverSse('');
    expect(anonymous.data).toMatchObject({ data: { code: 'UNAUTHORIZED', httpStatus: 401 } });
    const own = await subscribeOverSse('', api.alice);
    expect(own.event).not.toBe('serialized-error');
  });
});

describe('raw task WebSocket', () => {
  test("another owner's task closes with NOT_FOUND (4404); no key with 4401; the owner follows it", async () => {
    const refused = await readTaskSocket(api.server.wsUrl, failedTask, api.bob);
    expect(refused.code).toBe(TASK_SOCKET_CLOSE.errorBase + 404);
    expect(refused.messages).toEqual([
      { task_id: failedTask, error: expect.objectContaining({ code: 'NOT_FOUND' }) },
    ]);
    const anonymous = await readTaskSocket(api.server.wsUrl, failedTask);
    expect(anonymous.code).toBe(TASK_SOCKET_CLOSE.errorBase + 401);
    const own = await readTaskSocket(api.server.wsUrl, failedTask, api.alice);
    expect(own.code).toBe(TASK_SOCKET_CLOSE.done);
    expect(own.messages.at(-1)).toMatchObject({ done: true, final_status: 'failed' });
  });
});

describe('tRPC over WebSocket (key in connection params)', () => {
  test("queries, mutations and tasks.events refuse another owner's task with NOT_FOUND", async () => {
    const socket = await TrpcSocket.open(api.server.wsUrl, api.bob);
    try {
      const read = await socket.call('query', 'tasks.get', { task_id: failedTask });
      expect(read.error?.data).toMatchObject({ code: 'NOT_FOUND', httpStatus: 404 });
      const cancel = await socket.call('mutation', 'tasks.cancel', { task_id: runningTask });
      expect(cancel.error?.data).toMatchObject({ code: 'NOT_FOUND' });
      const retry = await socket.call('mutation', 'tasks.retry', { task_id: failedTask });
      expect(retry.error?.data).toMatchObject({ code: 'NOT_FOUND' });
      // Refused inside the subscription: the error body (what clients read) says NOT_FOUND, 404.
      const events = await socket.subscribe('tasks.events', { task_id: failedTask }, () => true);
      expect(events.error?.data).toMatchObject({
        code: 'NOT_FOUND',
        httpStatus: 404,
        errorBody: { code: 'NOT_FOUND' },
      });
    } finally {
      socket.close();
    }
  });

  test('without a key every call is UNAUTHORIZED', async () => {
    const socket = await TrpcSocket.open(api.server.wsUrl);
    try {
      const read = await socket.call('query', 'tasks.list', {});
      expect(read.error?.data).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401 });
      const feed = await socket.subscribe('tasks.feed', {}, () => true);
      expect(feed.error?.data).toMatchObject({ code: 'UNAUTHORIZED' });
    } finally {
      socket.close();
    }
  });

  test("tasks.feed carries only the caller's own tasks; the admin's carries every owner's", async () => {
    const bobSocket = await TrpcSocket.open(api.server.wsUrl, api.bob);
    const adminSocket = await TrpcSocket.open(api.server.wsUrl, api.admin);
    try {
      const seenByBob: TaskEvent[] = [];
      const seenByAdmin: TaskEvent[] = [];
      const bobsTasks = new Set<string>();
      const ended = (event: TaskEvent) =>
        bobsTasks.has(event.task_id) && event.type === 'status' && event.status === 'completed';
      // Alice's long task reports progress every 200 ms all along: a leak would show in Bob's feed.
      let feedsDone = false;
      const feeds = Promise.all([
        bobSocket.subscribe('tasks.feed', {}, (data) => {
          seenByBob.push(data as TaskEvent);
          return ended(data as TaskEvent);
        }),
        adminSocket.subscribe('tasks.feed', {}, (data) => {
          seenByAdmin.push(data as TaskEvent);
          return seenByAdmin.some((event) => event.task_id === runningTask) && seenByAdmin.some(ended);
        }),
      ]).finally(() => {
        feedsDone = true;
      });
      // The feed is live only: if a subscription started after a task ended, another task follows.
      while (!feedsDone) {
        const taskId = await submit(api.bob, { workflow: 'steps', params: { steps: 4, delay_ms: 150 } });
        bobsTasks.add(taskId);
        await waitUntil(api.bob, taskId, (status) => status === 'completed');
        await Promise.race([feeds, new Promise((resolve) => setTimeout(resolve, 200))]);
      }
      expect(await feeds).toEqual([{}, {}]);
      expect(seenByBob.some((event) => bobsTasks.has(event.task_id))).toBe(true);
      expect(seenByBob.filter((event) => !bobsTasks.has(event.task_id))).toEqual([]);
      expect(seenByAdmin.some((event) => event.task_id === runningTask)).toBe(true);
    } finally {
      bobSocket.close();
      adminSocket.close();
    }
  });
});
