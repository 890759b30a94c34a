import {
  type GroupEvent,
  type SubmitTaskOutput,
  type TaskEvent,
  TaskSocketServerMessage,
} from '@kaygraph/contracts';
import { describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { useTestServer } from './harness.ts';
import { postJson, readSse, requestJson } from './http-helpers.ts';
import { TrpcSocket } from './trpc-socket.ts';

/**
 * The contract (contracts/src/events.ts): a task's events are the same on every transport. Each transport
 * here follows one task live, and what each hands its client is compared, seq by seq, with the task's
 * stored history.
 */

const server = useTestServer();

interface Seen {
  seq: number;
  /** The event's type; a raw socket update (a status or progress change) says `update`. */
  type: string;
  message?: string;
}

const seen = (event: { seq: number; type?: string; message?: unknown }): Seen => ({
  seq: event.seq,
  type: event.type ?? 'update',
  ...(typeof event.message === 'string' && event.type === 'log' ? { message: event.message } : {}),
});

/** `GET /tasks/{task_id}/stream`: every event with an `id:` but `done`. */
async function overSse(taskId: string): Promise<Seen[]> {
  const response = await fetch(`${server.url}/tasks/${taskId}/stream`);
  if (!response.body) throw new Error('no body');
  const events: Seen[] = [];
  for await (const message of readSse(response.body)) {
    if (message.event === undefined || message.event === 'done') continue;
    const event = JSON.parse(message.data ?? '') as TaskEvent;
    expect({ id: message.id, event: message.event }).toEqual({ id: String(event.seq), event: event.type });
    events.push(seen(event));
  }
  return events;
}

/** `WS /ws/{task_id}`: every message with a seq (updates and events sent as they are). */
function overRawSocket(taskId: string): Promise<Seen[]> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${server.wsUrl}/ws/${taskId}`);
    const events: Seen[] = [];
    socket.on('message', (data) => {
      const message = TaskSocketServerMessage.parse(JSON.parse(String(data)));
      if ('seq' in message) events.push(seen(message));
    });
    socket.on('close', () => resolve(events));
    socket.on('error', reject);
  });
}

/** tRPC `tasks.events` over SSE (what httpSubscriptionLink reads): every tracked item. */
async function overTrpcSse(taskId: string): Promise<Seen[]> {
  const input = encodeURIComponent(JSON.stringify({ task_id: taskId }));
  const response = await fetch(`${server.url}/trpc/tasks.events?input=${input}`);
  if (!response.body) throw new Error('no body');
  const events: Seen[] = [];
  for await (const message of readSse(response.body)) {
    if (message.event === 'return') break;
    if (message.event !== undefined || message.data === undefined) continue;
    events.push(seen(JSON.parse(message.data) as TaskEvent));
  }
  return events;
}

/** tRPC `tasks.events` over the tRPC WebSocket. */
async function overTrpcSocket(taskId: string): Promise<Seen[]> {
  const socket = await TrpcSocket.open(server.wsUrl);
  try {
    const events: Seen[] = [];
    const { error } = await socket.subscribe('tasks.events', { task_id: taskId }, (data) => {
      events.push(seen(data as TaskEvent));
      return false;
    });
    expect(error).toBeUndefined();
    return events;
  } finally {
    socket.close();
  }
}

async function waitForStatus(taskId: string, status: string): Promise<void> {
  for (;;) {
    const answer = await requestJson(`${server.url}/tasks/${taskId}`);
    if ((answer.body as { status: string }).status === status) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The task's stored events, as the task service replays them. */
async function history(taskId: string): Promise<TaskEvent[]> {
  const events: TaskEvent[] = [];
  for await (const event of server.system.tasks.events({ owner: 'anonymous', admin: false }, taskId, {}))
    events.push(event);
  return events;
}

describe('every transport carries every event of a task', () => {
  test('a wait that ends by its timer: its log event reaches SSE, the raw socket and tRPC (SSE and WS)', async () => {
    const submitted = await postJson(`${server.url}/tasks`, {
      workflow: 'approval',
      params: { deadline_seconds: 1 },
    });
    expect(submitted.status).toBe(202);
    const taskId = (submitted.body as SubmitTaskOutput).task_id;
    // Followed live, from while the task waits until after its timer ended the wait.
    await waitForStatus(taskId, 'waiting');
    const [sse, rawSocket, trpcSse, trpcSocket] = await Promise.all([
      overSse(taskId),
      overRawSocket(taskId),
      overTrpcSse(taskId),
      overTrpcSocket(taskId),
    ]);
    const result = await requestJson(`${server.url}/tasks/${taskId}/result`);
    expect(result.body).toMatchObject({ status: 'completed', result: { approved: false } });

    const stored = (await history(taskId)).map(seen);
    const timerLog = {
      seq: expect.any(Number),
      type: 'log',
      message: 'the deadline of the wait for the signal "approval" passed',
    };
    expect(stored).toContainEqual(timerLog);
    expect(trpcSocket).toEqual(stored);
    expect(trpcSse).toEqual(stored);
    expect(sse).toEqual(stored);
    // The raw socket sends status and progress changes as state updates, every other event as it is.
    const asUpdates = stored.map((event) =>
      event.type === 'status' || event.type === 'progress' ? { seq: event.seq, type: 'update' } : event,
    );
    expect(rawSocket).toEqual(asUpdates);
  });
});

/** The task events a group stream handed its client, once its first summary came (the stream is live). */
interface GroupWatch {
  live: Promise<void>;
  taskEvents: Promise<Seen[]>;
}

/** `GET /groups/{group_id}/stream`: the data of every `event: task`. */
function groupOverSse(groupId: string): GroupWatch {
  let isLive: () => void = () => undefined;
  const live = new Promise<void>((resolve) => {
    isLive = resolve;
  });
  const taskEvents = (async () => {
    const response = await fetch(`${server.url}/groups/${groupId}/stream`);
    if (!response.body) throw new Error('no body');
    const events: Seen[] = [];
    for await (const message of readSse(response.body)) {
      if (message.event === 'group') isLive();
      if (message.event === 'task')
        events.push(seen((JSON.parse(message.data ?? '') as Extract<GroupEvent, { type: 'task' }>).event));
    }
    return events;
  })();
  return { live, taskEvents };
}

/** tRPC `groups.events` over the tRPC WebSocket: the event of every `task` item. */
function groupOverTrpcSocket(groupId: string): GroupWatch {
  let isLive: () => void = () => undefined;
  const live = new Promise<void>((resolve) => {
    isLive = resolve;
  });
  const taskEvents = (async () => {
    const socket = await TrpcSocket.open(server.wsUrl);
    try {
      const events: Seen[] = [];
      const { error } = await socket.subscribe('groups.events', { group_id: groupId }, (data) => {
        const event = data as GroupEvent;
        if (event.type === 'group') isLive();
        else events.push(seen(event.event));
        return false;
      });
      expect(error).toBeUndefined();
      return events;
    } finally {
      socket.close();
    }
  })();
  return { live, taskEvents };
}

describe("a group's stream carries every event of its tasks", () => {
  test("a wait that ends by its timer: the group's watchers get its log too (SSE and tRPC)", async () => {
    const created = await postJson(`${server.url}/groups`, { name: 'approvals', tasks: [] });
    expect(created.status).toBe(200);
    const groupId = (created.body as { group_id: string }).group_id;
    const watches = [groupOverSse(groupId), groupOverTrpcSocket(groupId)];
    await Promise.all(watches.map((watch) => watch.live));

    const added = await postJson(`${server.url}/groups/${groupId}/tasks`, {
      tasks: [{ workflow: 'approval', params: { deadline_seconds: 1 } }],
    });
    expect(added.status).toBe(200);
    const taskId = (added.body as { tasks: SubmitTaskOutput[] }).tasks[0]?.task_id ?? '';
    expect((await postJson(`${server.url}/groups/${groupId}/execute`, {})).status).toBe(200);
    const [sse, trpcSocket] = await Promise.all(watches.map((watch) => watch.taskEvents));

    const stored = (await history(taskId)).map(seen);
    expect(stored).toContainEqual({
      seq: expect.any(Number),
      type: 'log',
      message: 'the deadline of the wait for the signal "approval" passed',
    });
    expect(sse).toEqual(stored);
    expect(trpcSocket).toEqual(stored);
  });
});
