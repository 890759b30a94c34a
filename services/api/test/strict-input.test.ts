import { ErrorBody } from '@kaygraph/contracts';
import { describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { useTestServer } from './harness.ts';
import { type JsonAnswer, readSse, requestJson, type SseMessage } from './http-helpers.ts';
import { TrpcSocket } from './trpc-socket.ts';

/**
 * Requests carry only what an operation declares: an unknown field in a JSON body or a socket message, an
 * unknown query parameter, a number not in decimal digits and a value outside its enum are 400s naming
 * them, and store nothing; what the adapters merge into an input (path params, a signal's payload, the
 * Last-Event-ID tRPC adds on reconnect) stays accepted.
 */
const server = useTestServer({ worker: false, operations: { authCacheMs: 50 } });

function send(method: string, path: string, body?: unknown): Promise<JsonAnswer> {
  return requestJson(`${server.url}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
}

/** The 400 of a refused request: its issues as `path: message`, checked against ErrorBody. */
function refused(answer: JsonAnswer): string[] {
  expect(answer.status, JSON.stringify(answer.body)).toBe(400);
  const body = ErrorBody.parse(answer.body);
  expect(body.code).toBe('BAD_REQUEST');
  return (body.issues ?? []).map((issue) => `${issue.path}: ${issue.message}`);
}

const task = { workflow: 'steps', params: { steps: 1 } };

describe('unknown fields in JSON bodies are refused', () => {
  test('POST /tasks with a misspelt max_retries is a 400 naming it and stores nothing', async () => {
    const misspelt = await send('POST', '/tasks', { ...task, max_retires: 0 });
    expect(refused(misspelt)).toEqual(['max_retires: unexpected property']);
    expect((misspelt.body as ErrorBody).message).toContain('max_retires');
    expect(await server.countTasks()).toBe(0);

    const spelt = await send('POST', '/tasks', { ...task, max_retries: 0 });
    expect(spelt.status).toBe(202);
    const id = (spelt.body as { task_id: string }).task_id;
    expect((await send('GET', `/tasks/${id}`)).body).toMatchObject({ max_retries: 0 });
  });

  test('POST /keys with a misspelt admin makes no key', async () => {
    expect(refused(await send('POST', '/keys', { name: 'z', adminn: true }))).toEqual([
      'adminn: unexpected property',
    ]);
    expect((await send('GET', '/keys')).body).toEqual({ items: [] });
  });

  test('schedules, groups, their tasks and redrives name the unknown field', async () => {
    const schedule = { cron: '0 9 * * *', ...task };
    expect(refused(await send('POST', '/schedules', { ...schedule, enabeld: false }))).toEqual([
      'enabeld: unexpected property',
    ]);
    expect(
      refused(await send('POST', '/groups', { name: 'g', tasks: [{ ...task, priorty: 'high' }] })),
    ).toEqual(['tasks.0.priorty: unexpected property']);
    const group = await send('POST', '/groups', { name: 'g' });
    expect(group.status).toBe(200);
    const groupId = (group.body as { group_id: string }).group_id;
    expect(
      refused(await send('POST', `/groups/${groupId}/tasks`, { tasks: [{ ...task, max_retires: 1 }] })),
    ).toEqual(['tasks.0.max_retires: unexpected property']);
    expect(refused(await send('POST', '/dead-letters/redrive', { workflw: 'steps' }))).toEqual([
      'workflw: unexpected property',
    ]);
    // A body on an operation that takes only path params is refused too, rather than ignored.
    const taskId = ((await send('POST', '/tasks', task)).body as { task_id: string }).task_id;
    expect(refused(await send('POST', `/tasks/${taskId}/retry`, { force: true }))).toEqual([
      'force: unexpected property',
    ]);
    expect(await send('GET', '/schedules')).toMatchObject({ body: { items: [] } });
    expect((await send('GET', `/groups/${groupId}`)).body).toMatchObject({ total: 0 });
  });

  test('a body that repeats a path parameter is refused: the path says which', async () => {
    const groupId = ((await send('POST', '/groups', { name: 'h' })).body as { group_id: string }).group_id;
    expect(
      refused(await send('POST', `/groups/${groupId}/tasks`, { group_id: groupId, tasks: [task] })),
    ).toEqual(['group_id: is taken from the path (/groups/{group_id}/tasks); leave it out of the body']);
    // Path params and the body merge into one input, and that stays accepted.
    const added = await send('POST', `/groups/${groupId}/tasks`, { tasks: [task] });
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({ group_id: groupId });
  });

  test("a signal's payload is the workflow's to judge; its path params merge with it", async () => {
    const taskId = ((await send('POST', '/tasks', { workflow: 'approval' })).body as { task_id: string })
      .task_id;
    const signal = await send('POST', `/tasks/${taskId}/signals/approval`, { approved: true });
    expect(signal.status).toBe(200);
    expect(signal.body).toMatchObject({ task_id: taskId, name: 'approval', taken: 'stored' });
  });

  test('tRPC calls refuse unknown fields too', async () => {
    const answer = await requestJson(`${server.url}/trpc/tasks.submit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...task, max_retires: 0 }),
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      error: {
        message: 'invalid input: max_retires: unexpected property',
        data: { errorBody: { issues: [{ path: 'max_retires', message: 'unexpected property' }] } },
      },
    });
  });

  test('each unknown key is an issue of its own, at its full path, over REST and tRPC alike', async () => {
    const stored = await server.countTasks();
    const body = { workflow: 'steps', params: {}, bogus: 1, other: true };
    expect(refused(await send('POST', '/tasks', body))).toEqual([
      'bogus: unexpected property',
      'other: unexpected property',
    ]);
    const many = { tasks: [task, { ...task, bogus: 1 }] };
    expect(refused(await send('POST', '/groups', { name: 'g', ...many }))).toEqual([
      'tasks.1.bogus: unexpected property',
    ]);
    const trpc = await requestJson(`${server.url}/trpc/tasks.submitMany`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(many),
    });
    expect(trpc.status).toBe(400);
    expect(trpc.body).toMatchObject({
      error: { data: { errorBody: { issues: [{ path: 'tasks.1.bogus', message: 'unexpected property' }] } } },
    });
    expect(await server.countTasks()).toBe(stored);
  });

  test("the feed's filters and a resume point are bounded: a huge list or string is a 400 over the tRPC WebSocket", async () => {
    // Kept for the subscription's life and walked on every event: a 1 MB frame per subscription, 1,000 per key.
    const socket = await TrpcSocket.open(server.wsUrl);
    for (const [path, input] of [
      ['tasks.feed', { types: Array.from({ length: 50_000 }, () => 'log') }],
      ['tasks.feed', { workflow: 'x'.repeat(200_000) }],
      ['tasks.events', { task_id: '6f1f4c38-8a6f-4a1b-9c1e-2b7d3f4e5a60', lastEventId: '7'.repeat(200_000) }],
    ] as const) {
      const answer = await socket.start(path, input);
      expect({ path, status: answer === 'started' ? answer : answer.data?.httpStatus }).toEqual({
        path,
        status: 400,
      });
    }
    socket.close();
  });

  test('a tRPC subscription resumed with Last-Event-ID (which tRPC adds to the input) is accepted', async () => {
    const response = await fetch(`${server.url}/trpc/tasks.feed?input=${encodeURIComponent('{}')}`, {
      headers: { accept: 'text/event-stream', 'last-event-id': '6f1f4c38-8a6f-4a1b-9c1e-2b7d3f4e5a60:3' },
    });
    expect(response.status).toBe(200);
    // The feed is live: once it is connected, a submit gives it an event (a refused input, an error).
    let taskId: string | undefined;
    let next: SseMessage | undefined;
    for await (const message of readSse(response.body as ReadableStream<Uint8Array>)) {
      if (message.event === 'connected') {
        taskId = ((await send('POST', '/tasks', task)).body as { task_id: string }).task_id;
      } else if (message.event === 'serialized-error') {
        next = message;
        break;
      } else if (message.data !== undefined && taskId !== undefined) {
        // Events of tasks from earlier tests may still arrive: wait for this one's.
        const event = JSON.parse(message.data) as { task_id?: string };
        if (event.task_id === taskId) {
          next = message;
          break;
        }
      }
    }
    expect(next?.event).toBeUndefined();
    expect(JSON.parse(next?.data ?? '{}')).toMatchObject({ task_id: taskId, type: 'status' });
  });

  test('the raw WebSocket refuses {"type": "cancel"} with another field, naming it, and cancels nothing', async () => {
    const taskId = ((await send('POST', '/tasks', task)).body as { task_id: string }).task_id;
    const socket = new WebSocket(`${server.wsUrl}/ws/${taskId}`);
    const error = await new Promise<unknown>((resolve) => {
      socket.once('message', () => socket.send(JSON.stringify({ type: 'cancel', x: 1 })));
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as Record<string, unknown>;
        if ('error' in message) resolve(message.error);
      });
      // A socket that took it as a cancel ends with the task instead.
      socket.on('close', () => resolve('closed without an error'));
    });
    socket.close();
    expect(error).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'expected {"type": "cancel"}: x: unexpected property',
      issues: [{ path: 'x', message: 'unexpected property' }],
    });
    expect((await send('GET', `/tasks/${taskId}`)).body).toMatchObject({ status: 'queued' });
  });

  test('the raw WebSocket answers a message that is not JSON by saying so, and cancels nothing', async () => {
    const taskId = ((await send('POST', '/tasks', task)).body as { task_id: string }).task_id;
    const socket = new WebSocket(`${server.wsUrl}/ws/${taskId}`);
    const error = await new Promise<unknown>((resolve) => {
      socket.once('message', () => socket.send('cancel'));
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as Record<string, unknown>;
        if ('error' in message) resolve(message.error);
      });
      socket.on('close', () => resolve('closed without an error'));
    });
    socket.close();
    expect(error).toEqual({
      code: 'BAD_REQUEST',
      message: 'expected {"type": "cancel"}: the message is not JSON',
    });
    expect((await send('GET', `/tasks/${taskId}`)).body).toMatchObject({ status: 'queued' });
  });
});

describe('query strings take the documented parameters, integers in decimal digits', () => {
  test('an unknown parameter is a 400 naming it and what the operation takes', async () => {
    const answer = await send('GET', '/tasks?stauts=failed');
    expect(refused(answer)).toEqual(['stauts: unknown query parameter']);
    expect((answer.body as ErrorBody).message).toBe(
      'stauts: unknown query parameter (this operation takes status, workflow, group_id, schedule_id, parent_task_id, owner, idempotency_key, id_prefix, order, cursor, limit)',
    );
    expect(refused(await send('GET', '/health?verbose=1'))).toEqual(['verbose: unknown query parameter']);
    expect(refused(await send('GET', '/metrics?scope=all'))).toEqual(['scope: unknown query parameter']);
  });

  test('limit is plain decimal digits: hex, exponents, spaces and words are refused', async () => {
    for (const limit of ['0x10', '1e1', '%2010', '10%20', 'abc', '-1', '1.0', 'Infinity']) {
      expect(refused(await send('GET', `/tasks?limit=${limit}`)), limit).toEqual([
        'limit: must be an integer in decimal digits',
      ]);
    }
    expect(refused(await send('GET', '/groups?limit=0x10'))).toEqual([
      'limit: must be an integer in decimal digits',
    ]);
    expect(refused(await send('GET', '/search?query=x&k=1e1'))).toEqual([
      'k: must be an integer in decimal digits',
    ]);
    const page = await send('GET', '/tasks?limit=2');
    expect(page.status).toBe(200);
    expect((page.body as { items: unknown[] }).items.length).toBeLessThanOrEqual(2);
  });

  test('GET /metrics?format= takes json or prometheus only', async () => {
    expect(refused(await send('GET', '/metrics?format=xml'))).toEqual([
      'format: Invalid option: expected one of "json"|"prometheus"',
    ]);
    expect((await send('GET', '/metrics?format=json')).status).toBe(200);
    const prometheus = await fetch(`${server.url}/metrics?format=prometheus`);
    expect(prometheus.status).toBe(200);
    expect(prometheus.headers.get('content-type')).toContain('text/plain');
    await prometheus.text();
  });

  test('the streams refuse unknown parameters: SSE with a 400, the raw WebSocket with 4400', async () => {
    const taskId = ((await send('POST', '/tasks', task)).body as { task_id: string }).task_id;
    // A stream that opens instead is aborted, to fail at once.
    const controller = new AbortController();
    const stream = await fetch(`${server.url}/tasks/${taskId}/stream?after=3`, {
      signal: controller.signal,
    });
    const streamed = stream.status === 400 ? await stream.json() : controller.abort();
    expect(refused({ status: stream.status, headers: stream.headers, body: streamed })).toEqual([
      'after: unknown query parameter',
    ]);
    for (const [query, issue] of [
      ['bogus=1', 'bogus: unknown query parameter'],
      ['last_event_id=abc', 'last_event_id: must be an integer in decimal digits'],
    ]) {
      const socket = new WebSocket(`${server.wsUrl}/ws/${taskId}?${query}`);
      const messages: Record<string, unknown>[] = [];
      const closed = new Promise<number>((resolve) => socket.on('close', (closeCode) => resolve(closeCode)));
      socket.on('message', (data) => {
        messages.push(JSON.parse(String(data)) as Record<string, unknown>);
        // A socket that serves the task instead of refusing it is closed here, to fail at once.
        if (!('error' in (messages[0] ?? {}))) socket.close();
      });
      const code = await closed;
      expect(code, query).toBe(4400);
      expect(messages, query).toEqual([
        {
          task_id: taskId,
          error: expect.objectContaining({ code: 'BAD_REQUEST', issues: [expect.anything()] }),
        },
      ]);
      const [message] = messages as { error: ErrorBody }[];
      expect(message?.error.issues?.map((entry) => `${entry.path}: ${entry.message}`)).toEqual([issue]);
    }
  });
});
