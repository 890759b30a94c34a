import { randomUUID } from 'node:crypto';
import { SseEventData, type SubmitTaskOutput, TaskSocketServerMessage, WaitEvent } from '@kaygraph/contracts';
import { describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { useTestServer } from './harness.ts';
import { postJson, readSse, requestJson, type SseMessage, waitForTerminal } from './http-helpers.ts';

const server = useTestServer();

async function submitWaiting(): Promise<string> {
  const answer = await postJson(`${server.url}/tasks`, { workflow: 'approval', params: {} });
  expect(answer.status).toBe(202);
  const taskId = (answer.body as SubmitTaskOutput).task_id;
  for (;;) {
    const task = await requestJson(`${server.url}/tasks/${taskId}`);
    if ((task.body as { status: string }).status === 'waiting') return taskId;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function readStream(taskId: string): Promise<SseMessage[]> {
  const response = await fetch(`${server.url}/tasks/${taskId}/stream`, {
    headers: { accept: 'text/event-stream' },
  });
  if (!response.body) throw new Error('no body');
  const messages: SseMessage[] = [];
  for await (const message of readSse(response.body)) if (message.event) messages.push(message);
  return messages;
}

function watchSocket(taskId: string): Promise<TaskSocketServerMessage[]> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${server.wsUrl}/ws/${taskId}`);
    const messages: TaskSocketServerMessage[] = [];
    socket.on('message', (data) => messages.push(TaskSocketServerMessage.parse(JSON.parse(String(data)))));
    socket.on('close', () => resolve(messages));
    socket.on('error', reject);
  });
}

const signalUrl = (taskId: string, name: string) => `${server.url}/tasks/${taskId}/signals/${name}`;

describe('POST /tasks/{task_id}/signals/{name}', () => {
  test('checks the payload, resumes the waiting task once, and every stream shows the wait', async () => {
    const taskId = await submitWaiting();
    const task = await requestJson(`${server.url}/tasks/${taskId}`);
    expect(task.body).toMatchObject({ status: 'waiting', wait: { kind: 'signal', signal: 'approval' } });
    const sse = readStream(taskId);
    const socket = watchSocket(taskId);

    const wrong = await postJson(signalUrl(taskId, 'approval'), { approved: 'yes' });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({
      code: 'INVALID_PARAMS',
      issues: [expect.objectContaining({ path: 'payload.approved' })],
    });
    const unknown = await postJson(signalUrl(taskId, 'review'), {});
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({
      code: 'BAD_REQUEST',
      issues: [expect.objectContaining({ path: 'name' })],
    });

    // The body is the payload itself.
    const taken = await postJson(signalUrl(taskId, 'approval'), { approved: true, note: 'fine' });
    expect(taken.status).toBe(200);
    expect(taken.body).toEqual({
      task_id: taskId,
      name: 'approval',
      taken: 'resumed',
      status: 'queued',
      deduplicated: false,
    });
    const again = await postJson(signalUrl(taskId, 'approval'), { approved: false });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'CONFLICT' });

    expect(await waitForTerminal(server.url, taskId)).toBe('completed');
    const result = await requestJson(`${server.url}/tasks/${taskId}/result`);
    expect(result.body).toMatchObject({ result: { approved: true, note: 'fine' } });

    const streamed = await sse;
    const names = streamed.map((message) => message.event);
    expect(names).toEqual(expect.arrayContaining(['waiting', 'signal_received', 'done']));
    for (const message of streamed.filter((m) => m.event === 'waiting' || m.event === 'signal_received')) {
      const schema = SseEventData[message.event as 'waiting' | 'signal_received'];
      expect(schema.parse(JSON.parse(message.data ?? '')).seq).toBe(Number(message.id));
    }
    const sent = await socket;
    const waits = sent.flatMap((message) => {
      const parsed = WaitEvent.safeParse(message);
      return parsed.success ? [parsed.data.type] : [];
    });
    expect(waits).toEqual(['waiting', 'signal_received']);
  });

  test("GET /workflows shows each workflow's signals as JSON Schema", async () => {
    const answer = await requestJson(`${server.url}/workflows`);
    const { workflows } = answer.body as { workflows: { name: string; signals_schema?: object }[] };
    const approval = workflows.find((workflow) => workflow.name === 'approval');
    expect(approval?.signals_schema).toMatchObject({
      approval: { type: 'object', properties: { approved: { type: 'boolean' } }, required: ['approved'] },
    });
    expect(workflows.find((workflow) => workflow.name === 'echo')?.signals_schema).toEqual({});
  });

  test('answers 404 for an unknown task and 400 for a malformed signal name', async () => {
    const missing = await postJson(signalUrl(randomUUID(), 'approval'), { approved: true });
    expect(missing.status).toBe(404);
    const taskId = await submitWaiting();
    const badName = await postJson(signalUrl(taskId, '9lives'), { approved: true });
    expect(badName.status).toBe(400);
    await requestJson(`${server.url}/tasks/${taskId}`, { method: 'DELETE' });
  });
});
