import { ErrorBody, type ListTasksOutput } from '@kaygraph/contracts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildOpenApiDocument } from '../src/openapi.ts';
import { bearer, submitWithKey } from './auth-keys.ts';
import { useServerWithKeys } from './harness.ts';
import { requestJson } from './http-helpers.ts';
import { createOpenApiChecker } from './openapi-check.ts';

/**
 * GET /tasks as an operator uses it: queued tasks in the order the queue runs them (priority, then when
 * each became runnable), page by page; and a short task id (its first characters) resolved to the tasks
 * the caller may see that start with it. No worker runs, so what is queued stays queued.
 */
const check = createOpenApiChecker(buildOpenApiDocument());

const api = useServerWithKeys({ worker: false, operations: { authCacheMs: 100 } });

/** Alice's queued tasks by priority, each in submit order. */
const queued = { high: [] as string[], normal: [] as string[], low: [] as string[] };
let scheduledId = '';
let bobsTask = '';

function submit(key: string, body: unknown): Promise<string> {
  return submitWithKey(api.server.url, key, body);
}

async function list(key: string, query: string) {
  const answer = await requestJson(`${api.server.url}/tasks?${query}`, { headers: bearer(key) });
  check('GET', '/tasks', answer.status, answer.body);
  return answer;
}

beforeAll(async () => {
  // Interleaved, so neither submit order nor priority alone gives the run order.
  for (const priority of ['low', 'normal', 'high', 'normal', 'low', 'high', 'normal'] as const) {
    queued[priority].push(await submit(api.alice, { workflow: 'steps', priority }));
  }
  const later = new Date(Date.now() + 3_600_000).toISOString();
  scheduledId = await submit(api.alice, { workflow: 'steps', priority: 'high', run_at: later });
  bobsTask = await submit(api.bob, { workflow: 'steps' });
});

afterAll(async () => {
  await api.server?.[Symbol.asyncDispose]();
});

describe('GET /tasks?order=next_to_run', () => {
  test('lists queued tasks in the order they will run, high priority first, page by page', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const answer = await list(
        api.alice,
        `status=queued&order=next_to_run&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(answer.status).toBe(200);
      const page = answer.body as ListTasksOutput;
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((task) => task.task_id));
      cursor = page.next_cursor;
    } while (cursor);
    // The scheduled task waits for its run_at: not queued, so not listed.
    expect(seen).toEqual([...queued.high, ...queued.normal, ...queued.low]);
  });

  test('refuses what has no run order, and a cursor of the other order, storing nothing', async () => {
    const before = await api.server.countTasks();
    const newest = (await list(api.alice, 'status=queued&limit=1')).body as ListTasksOutput;
    for (const query of [
      'order=next_to_run',
      'status=completed&order=next_to_run',
      `status=queued&order=next_to_run&cursor=${newest.next_cursor}`,
      'status=queued&order=oldest',
    ]) {
      const answer = await list(api.alice, query);
      expect({ query, status: answer.status }).toEqual({ query, status: 400 });
      expect(ErrorBody.parse(answer.body).code).toBe('BAD_REQUEST');
    }
    expect(await api.server.countTasks()).toBe(before);
  });
});

describe('GET /tasks?id_prefix=', () => {
  const ids = () => [...queued.high, ...queued.normal, ...queued.low, scheduledId];

  test('the first 8 characters of an id (any case) find that task', async () => {
    for (const taskId of ids()) {
      const answer = await list(api.alice, `id_prefix=${taskId.slice(0, 8).toUpperCase()}`);
      expect(answer.status).toBe(200);
      expect((answer.body as ListTasksOutput).items.map((task) => task.task_id)).toEqual([taskId]);
    }
    const whole = await list(api.alice, `id_prefix=${scheduledId}`);
    expect((whole.body as ListTasksOutput).items.map((task) => task.task_id)).toEqual([scheduledId]);
  });

  test('a shorter start lists every task of the caller that has it, and only those', async () => {
    const [first] = ids();
    const start = first?.slice(0, 1) ?? '';
    const answer = await list(api.alice, `id_prefix=${start}&limit=200`);
    const expected = ids().filter((taskId) => taskId.startsWith(start));
    expect(new Set((answer.body as ListTasksOutput).items.map((task) => task.task_id))).toEqual(
      new Set(expected),
    );
  });

  test("another owner's task is not found by its start, nor is an id no task has", async () => {
    const theirs = await list(api.alice, `id_prefix=${bobsTask.slice(0, 8)}`);
    expect((theirs.body as ListTasksOutput).items).toEqual([]);
    const mine = await list(api.bob, `id_prefix=${bobsTask.slice(0, 8)}`);
    expect((mine.body as ListTasksOutput).items.map((task) => task.task_id)).toEqual([bobsTask]);
    const taken = new Set(ids().map((taskId) => taskId.slice(0, 8)));
    const unused = ['00000000', 'ffffffff', '12345678'].find((prefix) => !taken.has(prefix));
    const none = await list(api.alice, `id_prefix=${unused}`);
    expect((none.body as ListTasksOutput).items).toEqual([]);
  });

  test('what cannot start a task id is a 400 naming id_prefix', async () => {
    for (const prefix of ['pipeline', '0b8f5a0e4c2a', '0b8f5a0e-4c2a-4a51-9d0c-6f0f2d0f9a11f', '-0b8f']) {
      const answer = await list(api.alice, `id_prefix=${encodeURIComponent(prefix)}`);
      expect({ prefix, status: answer.status }).toEqual({ prefix, status: 400 });
      expect(ErrorBody.parse(answer.body).issues?.map((issue) => issue.path)).toContain('id_prefix');
    }
  });
});

describe('finding a task by its idempotency key (a BullMQ custom jobId)', () => {
  test("lists the caller's one task with that key, and GET /tasks/{id} shows the key", async () => {
    const taskId = await submit(api.alice, { workflow: 'steps', idempotency_key: 'order-4711' });
    await submit(api.bob, { workflow: 'steps', idempotency_key: 'order-4711' });
    const found = await list(api.alice, 'idempotency_key=order-4711');
    expect(found.status).toBe(200);
    expect((found.body as ListTasksOutput).items.map((task) => task.task_id)).toEqual([taskId]);
    const task = await requestJson(`${api.server.url}/tasks/${taskId}`, { headers: bearer(api.alice) });
    expect(task.body).toMatchObject({ task_id: taskId, idempotency_key: 'order-4711' });
  });

  test('a key nobody submitted finds nothing', async () => {
    const found = await list(api.alice, 'idempotency_key=order-0000');
    expect(found.status).toBe(200);
    expect((found.body as ListTasksOutput).items).toEqual([]);
  });
});
