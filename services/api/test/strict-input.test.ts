import { ErrorBody } from '@kaygraph/contracts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { startTestServer, type TestServer } from './harness.ts';
import { type JsonAnswer, readSse, requestJson, type SseMessage } from './http-helpers.ts';

/**
 * Requests carry only what an operation declares: an unknown field in a JSON body or a socket message is
 * a 400 naming it, and stores nothing; what the adapters merge into an input (path params, a signal's payload, the
 * Last-Event-ID tRPC adds on reconnect) stays accepted.
 */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ worker: false, operations: { authCacheMs: 50 } });
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

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
    expect(refused(misspelt)).toEqual([': Unrecognized key: "max_retires"']);
    expect((misspelt.body as ErrorBody).message).toContain('max_retires');
    expect(await server.countTasks()).toBe(0);

    const spelt = await send('POST', '/tasks', { ...task, max_retries: 0 });
    expect(spelt.status).toBe(202);
    const id = (spelt.body as { task_id: string }).task_id;
    expect((await send('GET', `/tasks/${id}`)).body).toMatchObject({ max_retries: 0 });
  });

  test('POST /keys with a misspelt admin makes no key', async () => {
    expect(refused(await send('POST', '/keys', { name: 'z', adminn: true }))).toEqual([
      ': Unrecognized key: "adminn"',
    ]);
    expect((await send('GET', '/keys')).body).toEqual({ items: [] });
  });

  test('schedules, groups, their tasks and redrives name the unknown field', async () => {
    const schedule = { cron: '0 9 * * *', ...task };
    expect(refused(await send('POST', '/schedules', { ...schedule, enabeld: false }))).toEqual([
      ': Unrecognized key: "enabeld"',
    ]);
    expect(
      refused(await send('POST', '/groups', { name: 'g', tasks: [{ ...task, priorty: 'high' }] })),
    ).toEqual(['tasks.0: Unrecognized key: "priorty"']);
    const group = await send('POST', '/groups', { name: 'g' });
    expect(group.status).toBe(200);
    const groupId = (group.body as { group_id: string }).group_id;
    expect(
      refused(await send('POST', `/groups/${groupId}/tasks`, { tasks: [{ ...task, max_retires: 1 }] })),
    ).toEqual(['tasks.0: Unrecognized key: "max_retires"']);
    expect(refused(await send('POST', '/dead-letters/redrive', { workflw: 'steps' }))).toEqual([
      ': Unrecognized key: "workflw"',
    ]);
    // A body on an operation that takes only path params is refused too, rather than ignored.
    const taskId = ((await send('POST', '/tasks', task)).body as { task_id: string }).task_id;
    expect(refused(await send('POST', `/tasks/${taskId}/retry`, { force: true }))).toEqual([
      ': Unrecognized key: "force"',
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
    expect(JSON.stringify(answer.body)).toContain('Unrecognized key: \\"max_retires\\"');
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
    });
    socket.close();
    expect(error).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'expected {"type": "cancel"}: Unrecognized key: "x"',
      issues: [{ path: '', message: 'Unrecognized key: "x"' }],
    });
    expect((await send('GET', `/tasks/${taskId}`)).body).toMatchObject({ status: 'queued' });
  });
});
