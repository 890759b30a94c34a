import type { ErrorBody, TaskStatus } from '@kaygraph/contracts';
import { isTerminalStatus } from '@kaygraph/contracts';
import { expect, test } from 'vitest';
import { bearer, openKeyStore } from './auth-keys.ts';
import { startTestServer, type TestServer } from './harness.ts';
import { requestJson } from './http-helpers.ts';

/** Retry, redrive and batches go through the same limits as submit: queue size, rate limit, batch size. */

function call(server: TestServer, key: string, method: string, path: string, body?: unknown) {
  return requestJson(`${server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...bearer(key) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function failedTask(server: TestServer, key: string): Promise<string> {
  const submitted = await call(server, key, 'POST', '/tasks', {
    workflow: 'steps',
    params: { steps: 1, delay_ms: 0, fail: true },
    max_retries: 0,
  });
  expect(submitted.status).toBe(202);
  const taskId = (submitted.body as { task_id: string }).task_id;
  for (;;) {
    const status = ((await call(server, key, 'GET', `/tasks/${taskId}`)).body as { status: TaskStatus })
      .status;
    if (isTerminalStatus(status)) {
      expect(status).toBe('failed');
      return taskId;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const later = () => new Date(Date.now() + 3_600_000).toISOString();

test('an owner at MAX_QUEUE_SIZE gets QUEUE_FULL on retry and redrive, and nothing is queued', async () => {
  await using server = await startTestServer({ maxQueueSize: 3, operations: {} });
  await using store = openKeyStore(server.databaseUrl);
  const { key } = await store.create('full');
  const failed = await failedTask(server, key);
  for (let n = 0; n < 3; n++) {
    const waiting = await call(server, key, 'POST', '/tasks', {
      workflow: 'echo',
      params: { value: 'x' },
      run_at: later(),
    });
    expect(waiting.status).toBe(202);
  }
  for (const [method, path] of [
    ['POST', `/tasks/${failed}/retry`],
    ['POST', `/dead-letters/${failed}/redrive`],
    ['POST', '/dead-letters/redrive'],
  ] as const) {
    const refused = await call(server, key, method, path, method === 'POST' ? {} : undefined);
    const body = refused.body as ErrorBody;
    expect({ path, status: refused.status, code: body.code, retry: body.retry_after_seconds }).toEqual({
      path,
      status: 429,
      code: 'QUEUE_FULL',
      retry: 5,
    });
  }
  expect((await call(server, key, 'GET', `/tasks/${failed}`)).body).toMatchObject({ status: 'failed' });
});

test('a redrive spends the key rate limit: past the bucket it answers 429 RATE_LIMITED', async () => {
  await using server = await startTestServer({ operations: { rateLimit: { perMinute: 1, burst: 2 } } });
  await using store = openKeyStore(server.databaseUrl);
  const { key } = await store.create('redriver');
  // The two submits empty the bucket (1 token a minute comes back: none during the test).
  const first = await failedTask(server, key);
  await failedTask(server, key);
  const one = await call(server, key, 'POST', `/dead-letters/${first}/redrive`, {});
  expect(one.status).toBe(429);
  expect((one.body as ErrorBody).code).toBe('RATE_LIMITED');
  const all = await call(server, key, 'POST', '/dead-letters/redrive', {});
  expect(all.status).toBe(429);
  expect((all.body as ErrorBody).code).toBe('RATE_LIMITED');
  expect((await call(server, key, 'GET', `/tasks/${first}`)).body).toMatchObject({ status: 'failed' });
});

test('a batch over MAX_BATCH_SIZE is refused with 400 naming the limit, and nothing is stored', async () => {
  await using server = await startTestServer({ worker: false, maxBatchSize: 5 });
  const tasks = Array.from({ length: 6 }, () => ({ workflow: 'echo', params: { value: 'x' } }));
  const before = await server.countTasks();
  const many = await requestJson(`${server.url}/trpc/tasks.submitMany`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tasks }),
  });
  expect(many.status).toBe(400);
  expect(JSON.stringify(many.body)).toContain('MAX_BATCH_SIZE');
  const group = await requestJson(`${server.url}/groups`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'too big', tasks }),
  });
  expect(group.status).toBe(400);
  expect((group.body as ErrorBody).message).toContain('MAX_BATCH_SIZE');
  expect(await server.countTasks()).toBe(before);
  const fits = await requestJson(`${server.url}/trpc/tasks.submitMany`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tasks: tasks.slice(1) }),
  });
  expect(fits.status).toBe(200);
});

test('a redrive of every dead letter takes at most MAX_BATCH_SIZE per call; the one left can still be redriven', async () => {
  await using server = await startTestServer({ maxBatchSize: 2, operations: {} });
  await using store = openKeyStore(server.databaseUrl);
  const { key } = await store.create('many');
  const failed = [
    await failedTask(server, key),
    await failedTask(server, key),
    await failedTask(server, key),
  ];
  const first = await call(server, key, 'POST', '/dead-letters/redrive', {});
  expect(first.status).toBe(200);
  expect(first.body).toMatchObject({ redriven: 2 });
  const taken = (first.body as { task_ids: string[] }).task_ids;
  const rest = failed.filter((id) => !taken.includes(id));
  expect(rest).toHaveLength(1);
  const second = await call(server, key, 'POST', `/dead-letters/${rest[0]}/redrive`, {});
  expect(second.body).toMatchObject({ task_id: rest[0], status: 'queued' });
});

test('a key whose burst is smaller than the dead letters redrives them with a limit that fits it', async () => {
  await using server = await startTestServer({ operations: {} });
  await using store = openKeyStore(server.databaseUrl);
  // Two keys of one owner: the first makes the dead letters, the second may queue one task a minute.
  const { key: maker } = await store.create('maker', { owner: 'ops' });
  const { key: slow } = await store.create('slow', { owner: 'ops', rateLimitPerMinute: 1 });
  const failed = [await failedTask(server, maker), await failedTask(server, maker)];
  const all = await call(server, slow, 'POST', '/dead-letters/redrive', {});
  expect(all.status).toBe(429);
  expect((all.body as ErrorBody).message).toContain('send at most 1 at a time');
  const one = await call(server, slow, 'POST', '/dead-letters/redrive', { limit: 1 });
  expect(one.status).toBe(200);
  expect(one.body).toMatchObject({ redriven: 1 });
  expect(failed).toContain((one.body as { task_ids: string[] }).task_ids[0]);
  const invalid = await call(server, maker, 'POST', '/dead-letters/redrive', { limit: 0 });
  expect(invalid.status).toBe(400);
});
