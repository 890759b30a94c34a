import type { ErrorBody } from '@kaygraph/contracts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bearer, openKeyStore } from './auth-keys.ts';
import { startTestServer, type TestServer } from './harness.ts';
import { requestJson } from './http-helpers.ts';

/**
 * Submissions per key come out of a token bucket stored in Postgres: a burst beyond the bucket is
 * answered 429 RATE_LIMITED with Retry-After, and two api processes on one database share it.
 * The refill rate (1 per minute) is slow enough that no token comes back during the test.
 */
const BURST = 3;
let first: TestServer;
let second: TestServer;

beforeAll(async () => {
  const operations = { rateLimit: { perMinute: 1, burst: BURST } };
  first = await startTestServer({ operations, worker: false });
  second = await startTestServer({ operations, worker: false, databaseUrl: first.databaseUrl });
});
afterAll(async () => {
  await second?.[Symbol.asyncDispose]();
  await first?.[Symbol.asyncDispose]();
});

function submitRest(server: TestServer, key: string) {
  return requestJson(`${server.url}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(key) },
    body: JSON.stringify({ workflow: 'echo', params: { value: 'x' } }),
  });
}

describe('submission rate limits', () => {
  test('a burst beyond the bucket gets 429 RATE_LIMITED with Retry-After, and stores nothing', async () => {
    await using store = openKeyStore(first.databaseUrl);
    const { key } = await store.create('bursty');
    const before = await first.countTasks();
    const answers = await Promise.all(Array.from({ length: BURST + 4 }, () => submitRest(first, key)));
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([...Array(BURST).fill(202), ...Array(4).fill(429)]);
    const refused = answers.find((answer) => answer.status === 429);
    if (!refused) throw new Error('expected a refused submission');
    expect((refused.body as ErrorBody).code).toBe('RATE_LIMITED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await first.countTasks()).toBe(before + BURST);
  });

  test('the bucket holds across two api processes on one database', async () => {
    await using store = openKeyStore(first.databaseUrl);
    const { key } = await store.create('shared');
    const servers = [first, second, first, second, first, second];
    const answers = await Promise.all(servers.map((server) => submitRest(server, key)));
    expect(answers.filter((answer) => answer.status === 202)).toHaveLength(BURST);
    expect(answers.filter((answer) => answer.status === 429)).toHaveLength(servers.length - BURST);
    // Both replicas refuse now, whichever took the tokens.
    expect((await submitRest(first, key)).status).toBe(429);
    expect((await submitRest(second, key)).status).toBe(429);
  });

  test('buckets are per key: another key still submits', async () => {
    await using store = openKeyStore(first.databaseUrl);
    const a = await store.create('a-key', { owner: 'team' });
    const b = await store.create('b-key', { owner: 'team' });
    for (let i = 0; i < BURST; i++) expect((await submitRest(first, a.key)).status).toBe(202);
    expect((await submitRest(second, a.key)).status).toBe(429);
    expect((await submitRest(second, b.key)).status).toBe(202);
  });

  test('tRPC submit and submitMany spend from the same bucket; 429 carries Retry-After there too', async () => {
    await using store = openKeyStore(first.databaseUrl);
    const { key } = await store.create('trpc');
    const call = (path: string, input: unknown) =>
      requestJson(`${second.url}/trpc/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(key) },
        body: JSON.stringify(input),
      });
    const echo = { workflow: 'echo', params: { value: 'x' } };
    expect((await call('tasks.submitMany', { tasks: [echo, echo] })).status).toBe(200);
    const tooMany = await call('tasks.submitMany', { tasks: [echo, echo] });
    expect(tooMany.status).toBe(429);
    expect(tooMany.body).toMatchObject({
      error: {
        data: {
          errorBody: {
            code: 'RATE_LIMITED',
            message: expect.stringMatching(/^rate limit: 2 submissions exceed this key's \d+ per minute/),
          },
        },
      },
    });
    expect(Number(tooMany.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await call('tasks.submit', echo)).status).toBe(200);
    expect((await call('tasks.submit', echo)).status).toBe(429);
  });

  test("a key's own rate_limit_per_minute replaces the default (0: unlimited)", async () => {
    await using store = openKeyStore(first.databaseUrl);
    const { key } = await store.create('service', { rateLimitPerMinute: 0 });
    const answers = await Promise.all(Array.from({ length: BURST + 3 }, () => submitRest(first, key)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(BURST + 3).fill(202));
  });

  test("a key's own rate_limit_per_minute caps its burst", async () => {
    await using store = openKeyStore(first.databaseUrl);
    const { key } = await store.create('slow', { rateLimitPerMinute: 2 });
    const answers = await Promise.all(Array.from({ length: BURST + 1 }, () => submitRest(first, key)));
    expect(answers.map((answer) => answer.status).sort()).toEqual([202, 202, 429, 429]);
    const refused = answers.find((answer) => answer.status === 429)?.body as ErrorBody | undefined;
    expect(refused?.message).toContain("this key's 2 per minute (burst 2)");
    // A batch larger than the burst could never fit: refused without a Retry-After, saying to split it.
    const batch = await requestJson(`${first.url}/trpc/groups.create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(key) },
      body: JSON.stringify({
        name: 'too many',
        tasks: Array.from({ length: 3 }, () => ({ workflow: 'echo', params: { value: 'g' } })),
      }),
    });
    expect(batch.status).toBe(429);
    expect(batch.headers.get('retry-after')).toBeNull();
    expect(JSON.stringify(batch.body)).toMatch(/3 \w+s at once exceed this key's burst of 2/);
  });

  test('a group created with tasks spends one token per task from the same bucket', async () => {
    await using store = openKeyStore(first.databaseUrl);
    const { key } = await store.create('grouper');
    const create = (tasks: number) =>
      requestJson(`${first.url}/trpc/groups.create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(key) },
        body: JSON.stringify({
          name: `batch of ${tasks}`,
          tasks: Array.from({ length: tasks }, () => ({ workflow: 'echo', params: { value: 'g' } })),
        }),
      });
    expect((await create(BURST)).status).toBe(200);
    const refused = await create(1);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: { data: { errorBody: { code: 'RATE_LIMITED' } } } });
    // An empty group submits nothing and costs nothing.
    expect((await create(0)).status).toBe(200);
  });

  test('a signal spends a token as a submit does: refused ones and repeats of its key cost nothing', async () => {
    await using store = openKeyStore(first.databaseUrl);
    const { key } = await store.create('signaller');
    const submitted = await requestJson(`${first.url}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(key) },
      body: JSON.stringify({ workflow: 'approval', params: {} }),
    });
    expect(submitted.status).toBe(202);
    const taskId = (submitted.body as { task_id: string }).task_id;
    // One replica throughout: another may be refused while this one holds leased tokens.
    const signal = (target: string, headers: Record<string, string> = {}) =>
      requestJson(`${first.url}/tasks/${target}/signals/approval`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(key), ...headers },
        body: JSON.stringify({ approved: true }),
      });
    // No worker runs: the task has not reached its wait, so the first signal is kept for it.
    expect((await signal(taskId, { 'idempotency-key': 'delivery-1' })).body).toMatchObject({
      taken: 'stored',
      deduplicated: false,
    });
    expect((await signal(taskId, { 'idempotency-key': 'delivery-1' })).body).toMatchObject({
      deduplicated: true,
    });
    expect((await signal(taskId)).status).toBe(409);
    expect((await signal(crypto.randomUUID())).status).toBe(404);
    // Two tokens spent (the submit, the signal kept): one left, for this submit.
    expect((await submitRest(first, key)).status).toBe(202);

    const refused = await signal(taskId, { 'idempotency-key': 'delivery-2' });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({
      code: 'RATE_LIMITED',
      message: expect.stringMatching(/^rate limit: a signal exceeds this key's \d+ per minute/),
    });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const overTrpc = await requestJson(`${first.url}/trpc/tasks.signal`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(key) },
      body: JSON.stringify({ task_id: taskId, name: 'approval', payload: { approved: false } }),
    });
    expect(overTrpc.status).toBe(429);
    expect(overTrpc.body).toMatchObject({ error: { data: { errorBody: { code: 'RATE_LIMITED' } } } });
    expect(Number(overTrpc.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});
