import {
  LOG_TEXT_LIMIT,
  PROGRESS_TEXT_LIMIT,
  type SubmitTaskOutput,
  type TaskEvent,
  truncationMarker,
} from '@kaygraph/contracts';
import { expect, test } from 'vitest';
import { useTestServer } from './harness.ts';
import { postJson, readSse, requestJson } from './http-helpers.ts';
import { TrpcSocket } from './trpc-socket.ts';

/** What clients see of a run that reports text far past the contract's limits. */
const server = useTestServer({
  workflowsModule: new URL('./fixtures/chatty-catalog.ts', import.meta.url).href,
});
const CHARS = 2_000_000;
const cut = (letter: string, limit: number) =>
  letter.repeat(limit - truncationMarker(CHARS).length) + truncationMarker(CHARS);

/** The events of a task's SSE stream, until it ends. */
async function sseEvents(taskId: string): Promise<Record<string, unknown>[]> {
  const response = await fetch(`${server.url}/tasks/${taskId}/stream`);
  if (!response.body) throw new Error('no body');
  const events: Record<string, unknown>[] = [];
  for await (const message of readSse(response.body)) {
    if (message.event && message.data) events.push({ event: message.event, ...JSON.parse(message.data) });
  }
  return events;
}

/** The events `tasks.events` sends over a tRPC WebSocket, until the task ends. */
async function trpcEvents(taskId: string): Promise<TaskEvent[]> {
  const socket = await TrpcSocket.open(server.wsUrl);
  const events: TaskEvent[] = [];
  try {
    const { error } = await socket.subscribe('tasks.events', { task_id: taskId }, (data) => {
      events.push(data as TaskEvent);
      return false;
    });
    if (error) throw new Error(JSON.stringify(error));
  } finally {
    socket.close();
  }
  return events;
}

// NOTIFY carries at most 8000 bytes: an event too large to ride inline (the cut log line of '€', 3 bytes
// each; the cut step and message of a control character, which JSON writes in 6) is read from the table by
// live watchers.
test.each([
  ['€', 'a multi-byte character'],
  ['\u0007', 'a control character'],
])(
  'a 2 MB progress message and log line of %j (%s) reach SSE and tRPC watchers, the task and its progress cut with a marker',
  async (letter) => {
    const submitted = await postJson(`${server.url}/tasks`, {
      workflow: 'chatty',
      params: { letter, chars: CHARS },
    });
    expect(submitted.status).toBe(202);
    const { task_id } = submitted.body as SubmitTaskOutput;
    const [sse, trpc] = await Promise.all([sseEvents(task_id), trpcEvents(task_id)]);

    const text = cut(letter, PROGRESS_TEXT_LIMIT);
    const line = cut(letter, LOG_TEXT_LIMIT);
    for (const events of [sse, trpc] as Record<string, unknown>[][]) {
      const progress = events.filter((event) => event.type === 'progress').at(-1);
      expect(progress).toMatchObject({ progress: 50, step: text, message: text });
      expect(events.filter((event) => event.type === 'log').map((event) => event.message)).toEqual([line]);
      expect(events.find((event) => event.type === 'status' && event.status === 'completed')).toMatchObject({
        message: text,
      });
    }
    expect(sse.at(-1)).toMatchObject({ event: 'done', final_status: 'completed', message: text });

    const task = await requestJson(`${server.url}/tasks/${task_id}`);
    expect(task.body).toMatchObject({ status: 'completed', step: text, message: text });
    expect((await requestJson(`${server.url}/tasks/${task_id}/progress`)).body).toMatchObject({
      message: text,
    });
  },
);
