import { randomBytes } from 'node:crypto';
import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import {
  SSE_RETRY_MS,
  type SubmitTaskOutput,
  sseDoneId,
  TaskEvent,
  TaskSocketServerMessage,
  TaskSocketUpdate,
  TaskStreamDone,
} from '@kaygraph/contracts';
import { describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { buildOpenApiDocument } from '../src/openapi.ts';
import { useTestServer } from './harness.ts';
import { postJson, readSse, requestJson, type SseMessage, waitForTerminal } from './http-helpers.ts';
import { createOpenApiChecker } from './openapi-check.ts';

const server = useTestServer({ heartbeatMs: 50 });
const check = createOpenApiChecker(buildOpenApiDocument());

async function submit(body: unknown): Promise<string> {
  const answer = await postJson(`${server.url}/tasks`, body);
  expect(answer.status).toBe(202);
  return (answer.body as SubmitTaskOutput).task_id;
}

/** Every SSE message of a stream until the server closes it. */
async function readStream(taskId: string, lastEventId?: string): Promise<SseMessage[]> {
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (lastEventId) headers['last-event-id'] = lastEventId;
  const response = await fetch(`${server.url}/tasks/${taskId}/stream`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const messages: SseMessage[] = [];
  if (!response.body) throw new Error('no body');
  for await (const message of readSse(response.body)) messages.push(message);
  return messages;
}

/** One request as sent (node:http, any header), on `agent` when given, its answer read whole. */
function fetchRaw(path: string, method: string, headers: Record<string, string> = {}, agent?: Agent) {
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = request(`${server.url}${path}`, { method, headers, agent }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function events(messages: SseMessage[]) {
  return messages.filter((message) => message.event !== undefined);
}

describe('GET /tasks/{task_id}/stream (SSE)', () => {
  test('streams status and progress with ids, then done with the result, then closes', async () => {
    const taskId = await submit({ workflow: 'steps', params: { steps: 5, delay_ms: 30 } });
    const messages = await readStream(taskId);
    const stream = events(messages);
    const last = stream.at(-1);
    expect(last?.event).toBe('done');
    expect(TaskStreamDone.parse(JSON.parse(last?.data ?? ''))).toEqual({
      task_id: taskId,
      done: true,
      final_status: 'completed',
      progress: 100,
      message: expect.stringMatching(/^step \d of 5$/),
      result: { steps_done: 5 },
      error: null,
    });
    const body = stream.slice(0, -1);
    for (const message of body) {
      const event = TaskEvent.parse(JSON.parse(message.data ?? ''));
      expect({ event: message.event, id: message.id }).toEqual({ event: event.type, id: String(event.seq) });
      expect(event.task_id).toBe(taskId);
    }
    const seqs = body.map((message) => Number(message.id));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(body.filter((message) => message.event === 'progress').length).toBeGreaterThan(0);
    expect(last?.id).toBe(sseDoneId(seqs.at(-1) ?? 0));
    expect(messages[0]).toEqual({ retry: String(SSE_RETRY_MS) });
  });

  test('Last-Event-ID resumes after that event: the rest, once each, then done', async () => {
    const taskId = await submit({ workflow: 'steps', params: { steps: 6, delay_ms: 10 } });
    const full = events(await readStream(taskId));
    const middle = full[Math.floor(full.length / 2)];
    if (!middle?.id) throw new Error('expected events with ids');
    const resumed = events(await readStream(taskId, middle.id));
    const expected = full.filter(
      (message) => message.event === 'done' || Number(message.id) > Number(middle.id),
    );
    expect(resumed).toEqual(expected);
  });

  test('a Last-Event-ID past the last event gets done after the last event, not after the id it sent', async () => {
    const taskId = await submit({ workflow: 'steps', params: { steps: 2, delay_ms: 0 } });
    const full = events(await readStream(taskId));
    const doneId = full.at(-1)?.id;
    expect(doneId).toBe(sseDoneId(Number(full.at(-2)?.id)));
    const resumed = events(await readStream(taskId, '999'));
    expect(resumed.map((message) => [message.event, message.id])).toEqual([['done', doneId]]);
  });

  test('a Last-Event-ID that is no event id of the stream is a 400 naming it, not a replay from the start', async () => {
    const taskId = await submit({ workflow: 'steps', params: { steps: 1, delay_ms: 0 } });
    await readStream(taskId);
    for (const lastEventId of ['abc', '-1', '5-finished', '3.5']) {
      const answer = await fetchRaw(`/tasks/${taskId}/stream`, 'GET', { 'last-event-id': lastEventId });
      expect(answer.status, lastEventId).toBe(400);
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      const body = JSON.parse(answer.body);
      expect(body).toMatchObject({ code: 'BAD_REQUEST', issues: [{ path: 'Last-Event-ID' }] });
      check('GET', '/tasks/{task_id}/stream', 400, body);
    }
    // An empty value is a header not given, as an empty query value is a parameter not given.
    const empty = await fetchRaw(`/tasks/${taskId}/stream`, 'GET', { 'last-event-id': '' });
    expect(empty.status).toBe(200);
    expect(empty.body).toMatch(/^id: 1$/m);
  });

  test('sends `: ping` comments while nothing happens', async () => {
    const taskId = await submit({ workflow: 'steps', params: { steps: 2, delay_ms: 400 } });
    const response = await fetch(`${server.url}/tasks/${taskId}/stream`);
    if (!response.body) throw new Error('no body');
    const seen: SseMessage[] = [];
    for await (const message of readSse(response.body)) {
      seen.push(message);
      if (message.event === 'done') break;
    }
    expect(seen.some((message) => message.comment === 'ping')).toBe(true);
  });

  test("HEAD answers the headers a running task's stream starts with, no events, and ends", async () => {
    const taskId = await submit({ workflow: 'steps', params: { steps: 200, delay_ms: 2000 } });
    const abort = new AbortController();
    const get = await fetch(`${server.url}/tasks/${taskId}/stream`, { signal: abort.signal });
    abort.abort();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const head = await fetchRaw(`/tasks/${taskId}/stream`, 'HEAD', {}, agent);
      expect(head).toMatchObject({
        status: 200,
        headers: {
          'content-type': get.headers.get('content-type'),
          'cache-control': get.headers.get('cache-control'),
        },
        body: '',
      });
      // The same connection answers the next request: the HEAD did not stay open as its GET would.
      expect((await fetchRaw('/health', 'GET', {}, agent)).status).toBe(200);
      expect((await fetchRaw(`/tasks/${taskId}`, 'DELETE', {}, agent)).status).toBe(200);
    } finally {
      agent.destroy();
    }
    expect(await waitForTerminal(server.url, taskId)).toBe('cancelled');
  });
});

interface SocketRun {
  messages: TaskSocketServerMessage[];
  code: number;
}

function watchSocket(
  taskId: string | { taskId: string; lastEventId: number },
  onMessage?: (message: TaskSocketServerMessage, socket: WebSocket) => void,
) {
  return new Promise<SocketRun>((resolve, reject) => {
    const url =
      typeof taskId === 'string'
        ? `${server.wsUrl}/ws/${taskId}`
        : `${server.wsUrl}/ws/${taskId.taskId}?last_event_id=${taskId.lastEventId}`;
    const socket = new WebSocket(url);
    const messages: TaskSocketServerMessage[] = [];
    socket.on('message', (data, isBinary) => {
      // Text frames: a browser would hand a binary frame to `onmessage` as a Blob.
      if (isBinary) reject(new Error('the task socket sent a binary frame'));
      const message = TaskSocketServerMessage.parse(JSON.parse(String(data)));
      messages.push(message);
      onMessage?.(message, socket);
    });
    socket.on('close', (code) => resolve({ messages, code }));
    socket.on('error', reject);
  });
}

describe('WS /ws/{task_id}', () => {
  test('sends the state on every change, then done, then closes with 1000', async () => {
    const taskId = await submit({ workflow: 'steps', params: { steps: 4, delay_ms: 30 } });
    const { messages, code } = await watchSocket(taskId);
    expect(code).toBe(1000);
    const done = TaskStreamDone.parse(messages.at(-1));
    expect(done).toEqual({
      task_id: taskId,
      done: true,
      final_status: 'completed',
      progress: 100,
      message: expect.stringMatching(/^step \d of 4$/),
      result: { steps_done: 4 },
      error: null,
    });
    const updates = messages.slice(0, -1).map((message) => TaskSocketUpdate.parse(message));
    expect(updates.length).toBeGreaterThan(0);
    const seqs = updates.map((update) => update.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(updates.map((update) => update.status)).toContain('running');
    // The last update is the task as it ended: the same message as its done frame.
    expect(updates.at(-1)).toMatchObject({ status: 'completed', progress: 100, message: done.message });
  });

  test('a quick task ends at progress 100, carried by its completed event', async () => {
    const taskId = await submit({ workflow: 'steps', params: { steps: 1, delay_ms: 1 } });
    const { messages } = await watchSocket(taskId);
    const updates = messages.slice(0, -1).map((message) => TaskSocketUpdate.parse(message));
    expect(updates.at(-1)).toMatchObject({ status: 'completed', progress: 100, eta_seconds: 0 });
    // Its replay ends with the completed status event, which carries progress 100.
    const replayed = events(await readStream(taskId));
    expect(replayed.map((message) => message.event).slice(-2)).toEqual(['status', 'done']);
    const completed = replayed.at(-2);
    expect(JSON.parse(completed?.data ?? '')).toMatchObject({ status: 'completed', progress: 100 });
  });

  test('?last_event_id= resumes: only later updates, each with the state as of its event, then done', async () => {
    const taskId = await submit({ workflow: 'steps', params: { steps: 4, delay_ms: 10 } });
    const full = await watchSocket(taskId);
    const updates = full.messages.slice(0, -1).map((message) => TaskSocketUpdate.parse(message));
    const middle = updates[Math.floor(updates.length / 2)];
    if (!middle) throw new Error('expected updates');
    const resumed = await watchSocket({ taskId, lastEventId: middle.seq });
    expect(resumed.code).toBe(1000);
    // The same frames as the first socket's from there on: a resumed update says `running` while the
    // task ran, with its attempt, not the state the task has when the client comes back.
    expect(resumed.messages.slice(0, -1).map((message) => TaskSocketUpdate.parse(message))).toEqual(
      updates.filter((update) => update.seq > middle.seq),
    );
    expect(resumed.messages.at(-1)).toEqual(full.messages.at(-1));
  });

  test("a resume point past the last event (a stale id) still gets the running task's later updates", async () => {
    const taskId = await submit({ workflow: 'steps', params: { steps: 3, delay_ms: 150 } });
    const { messages } = await watchSocket({ taskId, lastEventId: 2_000_000_000 });
    expect(messages.at(-1)).toMatchObject({ done: true, final_status: 'completed' });
    expect(messages.at(-2)).toMatchObject({ status: 'completed', progress: 100 });
  });

  test('{"type": "cancel"} cancels the task; the socket ends with final_status cancelled', async () => {
    const taskId = await submit({ workflow: 'steps', params: { steps: 200, delay_ms: 50 } });
    let sent = false;
    const { messages, code } = await watchSocket(taskId, (message, socket) => {
      if (!sent && 'progress' in message && message.progress > 0) {
        sent = true;
        socket.send(JSON.stringify({ type: 'cancel' }));
      }
    });
    expect(sent).toBe(true);
    expect(code).toBe(1000);
    expect(messages.at(-1)).toMatchObject({ task_id: taskId, done: true, final_status: 'cancelled' });
    expect(await waitForTerminal(server.url, taskId)).toBe('cancelled');
  });

  test("a cancelled task's last update has no ETA, as GET /tasks/{task_id}/progress says", async () => {
    const taskId = await submit({ workflow: 'steps', params: { steps: 200, delay_ms: 50 } });
    let sent = false;
    const { messages } = await watchSocket(taskId, (message, socket) => {
      if (!sent && 'eta_seconds' in message && message.eta_seconds !== null) {
        sent = true;
        socket.send(JSON.stringify({ type: 'cancel' }));
      }
    });
    expect(sent).toBe(true);
    const updates = messages.flatMap((message) => {
      const update = TaskSocketUpdate.safeParse(message);
      return update.success ? [update.data] : [];
    });
    expect(updates.at(-1)).toMatchObject({ status: 'cancelled', eta_seconds: null });
    const view = await requestJson(`${server.url}/tasks/${taskId}/progress`);
    expect(view.body).toMatchObject({ status: 'cancelled', eta_seconds: null });
  });

  test('a frame over the size limit closes that socket (1009) and nothing else', async () => {
    const taskId = await submit({ workflow: 'steps', params: { steps: 3, delay_ms: 10 } });
    const socket = new WebSocket(`${server.wsUrl}/ws/${taskId}`);
    await new Promise((resolve) => socket.once('message', resolve));
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    socket.on('error', () => {});
    socket.send('x'.repeat(64 * 1024));
    expect(await closed).toBe(1009);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect(await waitForTerminal(server.url, taskId)).toBe('completed');
  });

  test("over plain HTTP, HEAD answers as GET does (400, no Upgrade); another method's Allow says so", async () => {
    const taskId = await submit({ workflow: 'steps', params: { steps: 1, delay_ms: 1 } });
    const refused = await fetch(`${server.url}/ws/${taskId}`, { method: 'POST' });
    expect(refused.status).toBe(405);
    expect(refused.headers.get('allow')).toBe('GET, HEAD');
    const get = await requestJson(`${server.url}/ws/${taskId}`);
    expect(get).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    const head = await fetch(`${server.url}/ws/${taskId}`, { method: 'HEAD' });
    expect({ status: head.status, type: head.headers.get('content-type'), body: await head.text() }).toEqual({
      status: 400,
      type: 'application/json; charset=utf-8',
      body: '',
    });
    expect(await waitForTerminal(server.url, taskId)).toBe('completed');
  });

  test('a HEAD or POST asking to upgrade is answered as without Upgrade: HEAD as GET, POST 405 with Allow', async () => {
    const taskId = await submit({ workflow: 'steps', params: { steps: 1, delay_ms: 1 } });
    const upgrade = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13' };
    const asking = async (method: string) => {
      const key = randomBytes(16).toString('base64');
      const answer = await fetchRaw(`/ws/${taskId}`, method, { ...upgrade, 'sec-websocket-key': key });
      return { status: answer.status, allow: answer.headers.allow, type: answer.headers['content-type'] };
    };
    expect(await asking('HEAD')).toEqual({
      status: 400,
      allow: undefined,
      type: 'application/json; charset=utf-8',
    });
    expect(await asking('POST')).toEqual({
      status: 405,
      allow: 'GET, HEAD',
      type: 'application/json; charset=utf-8',
    });
    expect(await waitForTerminal(server.url, taskId)).toBe('completed');
  });

  test('an unknown task gets an error message and close code 4404', async () => {
    const { messages, code } = await watchSocket('6f1f4c38-8a6f-4a1b-9c1e-2b7d3f4e5a60');
    expect(code).toBe(4404);
    expect(messages).toEqual([
      {
        task_id: '6f1f4c38-8a6f-4a1b-9c1e-2b7d3f4e5a60',
        error: expect.objectContaining({ code: 'NOT_FOUND' }),
      },
    ]);
  });
});
