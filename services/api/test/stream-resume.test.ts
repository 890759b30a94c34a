import { type ErrorBody, SSE_RETRY_MS, type SubmitTaskOutput } from '@kaygraph/contracts';
import { describe, expect, test } from 'vitest';
import { useTestServer } from './harness.ts';
import { postJson, readSse, type SseMessage, waitForTerminal } from './http-helpers.ts';

/**
 * What an SSE client (a browser's EventSource, the typed client's SSE transport) is told about
 * reconnecting: how soon (`retry:`), and where a finished stream leaves it (the `done` event's id).
 */

const server = useTestServer();

async function submit(body: unknown): Promise<string> {
  const answer = await postJson(`${server.url}/tasks`, body);
  expect(answer.status).toBe(202);
  return (answer.body as SubmitTaskOutput).task_id;
}

/** Every message of an event stream until the server ends it (or `until` holds). */
async function readAll(
  url: string,
  headers: Record<string, string> = {},
  until: (message: SseMessage) => boolean = () => false,
): Promise<SseMessage[]> {
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers } });
  expect(response.status).toBe(200);
  if (!response.body) throw new Error('no body');
  const messages: SseMessage[] = [];
  for await (const message of readSse(response.body)) {
    messages.push(message);
    if (until(message)) break;
  }
  await response.body.cancel().catch(() => {});
  return messages;
}

/**
 * A stream's `retry:` fields: exactly one, before anything else, the api's hint: well under the 3 s an
 * EventSource waits without one.
 */
function expectOnePromptHint(messages: SseMessage[]): void {
  const hints = messages.flatMap((message) => (message.retry === undefined ? [] : [Number(message.retry)]));
  expect(hints).toHaveLength(1);
  expect(messages[0]?.retry).toBeDefined();
  expect(hints[0]).toBe(SSE_RETRY_MS);
  expect(hints[0]).toBeLessThan(3000);
}

describe('every SSE answer tells the client to reconnect soon', () => {
  test('GET /tasks/{task_id}/stream: one `retry:` hint, first, well under the default 3 s', async () => {
    const taskId = await submit({ workflow: 'steps', params: { steps: 2, delay_ms: 0 } });
    expectOnePromptHint(await readAll(`${server.url}/tasks/${taskId}/stream`));
  });

  test('GET /groups/{group_id}/stream: the same hint', async () => {
    const created = await postJson(`${server.url}/groups`, {
      name: 'hinted',
      tasks: [{ workflow: 'steps', params: { steps: 1, delay_ms: 0 } }],
    });
    expect(created.status).toBe(200);
    const groupId = (created.body as { group_id: string }).group_id;
    expectOnePromptHint(await readAll(`${server.url}/groups/${groupId}/stream`));
  });

  test('tRPC subscriptions over SSE (the typed client on Node 20): the same hint', async () => {
    const taskId = await submit({ workflow: 'steps', params: { steps: 2, delay_ms: 0 } });
    const input = encodeURIComponent(JSON.stringify({ task_id: taskId }));
    const messages = await readAll(
      `${server.url}/trpc/tasks.events?input=${input}`,
      {},
      (message) => message.event === 'return',
    );
    expect(messages.some((message) => message.data !== undefined && message.event === undefined)).toBe(true);
    expectOnePromptHint(messages);
  });

  test('a tRPC query over GET is plain JSON, without a hint', async () => {
    const answer = await fetch(`${server.url}/trpc/health`);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await answer.json()).toMatchObject({ result: { data: expect.anything() } });
  });
});

describe("the `done` event's id", () => {
  const streamOf = (taskId: string) => `${server.url}/tasks/${taskId}/stream`;

  test('is its own: not any event seq, so nothing is confused with the terminal event', async () => {
    const taskId = await submit({ workflow: 'steps', params: { steps: 3, delay_ms: 0 } });
    const messages = (await readAll(streamOf(taskId))).filter((message) => message.event !== undefined);
    const done = messages.at(-1);
    expect(done?.event).toBe('done');
    const ids = messages.slice(0, -1).map((message) => message.id);
    expect(ids).not.toContain(done?.id);
    expect(done?.id).toBe(`${ids.at(-1)}-done`);
  });

  test('resuming after `done` answers 204 No Content, which ends an EventSource for good', async () => {
    const taskId = await submit({ workflow: 'steps', params: { steps: 2, delay_ms: 0 } });
    const done = (await readAll(streamOf(taskId))).at(-1);
    expect(done?.event).toBe('done');
    for (const method of ['GET', 'HEAD']) {
      const resumed = await fetch(streamOf(taskId), { method, headers: { 'last-event-id': done?.id ?? '' } });
      expect({ method, status: resumed.status, body: await resumed.text() }).toEqual({
        method,
        status: 204,
        body: '',
      });
    }
  });

  test("resuming from the terminal event's id (done was not seen) gets done again", async () => {
    const taskId = await submit({ workflow: 'steps', params: { steps: 2, delay_ms: 0 } });
    const events = (await readAll(streamOf(taskId))).filter((message) => message.event !== undefined);
    const terminal = events.at(-2);
    const resumed = (await readAll(streamOf(taskId), { 'last-event-id': terminal?.id ?? '' })).filter(
      (message) => message.event !== undefined,
    );
    expect(resumed).toEqual([events.at(-1)]);
  });

  test('a task retried after `done`: resuming from it streams the new attempt, then its own done', async () => {
    const taskId = await submit({ workflow: 'steps', params: { steps: 1, delay_ms: 0, fail: true } });
    const first = (await readAll(streamOf(taskId))).filter((message) => message.event !== undefined);
    const firstDone = first.at(-1);
    expect(JSON.parse(firstDone?.data ?? '')).toMatchObject({ final_status: 'failed' });
    const retried = await postJson(`${server.url}/tasks/${taskId}/retry`, {});
    expect(retried.status).toBe(200);
    expect(await waitForTerminal(server.url, taskId)).toBe('failed');

    const resumed = (await readAll(streamOf(taskId), { 'last-event-id': firstDone?.id ?? '' })).filter(
      (message) => message.event !== undefined,
    );
    const lastSeqBefore = Number(first.at(-2)?.id);
    const seqs = resumed.slice(0, -1).map((message) => Number(message.id));
    expect(seqs.length).toBeGreaterThan(0);
    expect(seqs.every((seq) => seq > lastSeqBefore)).toBe(true);
    expect(resumed.at(-1)).toMatchObject({ event: 'done', id: `${seqs.at(-1)}-done` });
  });
});

describe('`?last_event_id=`: a new EventSource resumes where an old one stopped', () => {
  const streamOf = (taskId: string, query: string) => `${server.url}/tasks/${taskId}/stream?${query}`;
  const events = (messages: SseMessage[]) => messages.filter((message) => message.event !== undefined);

  test('it replays only what came after that id, then done', async () => {
    const taskId = await submit({ workflow: 'steps', params: { steps: 3, delay_ms: 0 } });
    const whole = events(await readAll(`${server.url}/tasks/${taskId}/stream`));
    const resumed = events(await readAll(streamOf(taskId, `last_event_id=${whole[1]?.id}`)));
    expect(resumed).toEqual(whole.slice(2));
  });

  test("the done event's id answers 204, as the header does", async () => {
    const taskId = await submit({ workflow: 'steps', params: { steps: 1, delay_ms: 0 } });
    const done = events(await readAll(`${server.url}/tasks/${taskId}/stream`)).at(-1);
    expect(done?.event).toBe('done');
    const resumed = await fetch(streamOf(taskId, `last_event_id=${done?.id}`));
    expect({ status: resumed.status, body: await resumed.text() }).toEqual({ status: 204, body: '' });
  });

  test('the Last-Event-ID header wins: it is where the EventSource itself got to', async () => {
    const taskId = await submit({ workflow: 'steps', params: { steps: 3, delay_ms: 0 } });
    const whole = events(await readAll(`${server.url}/tasks/${taskId}/stream`));
    const resumed = events(
      await readAll(streamOf(taskId, `last_event_id=${whole[0]?.id}`), {
        'last-event-id': whole[2]?.id ?? '',
      }),
    );
    expect(resumed).toEqual(whole.slice(3));
  });

  test('a value that is no event id is a 400 naming the parameter', async () => {
    const taskId = await submit({ workflow: 'steps', params: { steps: 1, delay_ms: 0 } });
    const answer = await fetch(streamOf(taskId, 'last_event_id=latest'));
    expect(answer.status).toBe(400);
    const body = (await answer.json()) as ErrorBody;
    expect(body).toMatchObject({ code: 'BAD_REQUEST', issues: [{ path: 'last_event_id' }] });
    expect(body.message).toMatch(/^last_event_id: must be the id of an event this stream sent/);
  });
});
