import { connect } from '@kaygraph/db';
import { createTestDatabase } from '@kaygraph/db/testing';
import { createTaskSystem } from '@kaygraph/tasks';
import pino from 'pino';
import { expect, test } from 'vitest';
import { startApiProcess } from './api-process.ts';
import { catalog } from './fixtures/catalog.ts';
import { postJson, requestJson } from './http-helpers.ts';

test('with STATEMENT_TIMEOUT_SECONDS set, a request held up by a lock answers 503 saying so, and 200 once the lock is gone', async () => {
  await using database = await createTestDatabase();
  await using api = await startApiProcess(database.url, { STATEMENT_TIMEOUT_SECONDS: '0.3' });
  expect((await requestJson(`${api.url}/tasks`)).status, api.output()).toBe(200);

  await using holder = connect(database.url, { max: 1 });
  // What a long migration does to the api: every statement on tasks waits for its lock.
  await holder.sql.begin(async (tx) => {
    await tx`lock table tasks in access exclusive mode`;
    const blocked = await requestJson(`${api.url}/tasks`);
    expect(blocked.status, api.output()).toBe(503);
    expect(blocked.body).toEqual({
      code: 'UNAVAILABLE',
      message:
        'the database did not answer in time (a statement timed out, e.g. waiting behind a lock): retry shortly',
      retry_after_seconds: 5,
    });
    expect(blocked.headers.get('retry-after')).toBe('5');
  });

  expect((await requestJson(`${api.url}/tasks`)).status, api.output()).toBe(200);
});

test("a submit whose insert times out behind a lock logs the failed query, never the task's params", async () => {
  await using database = await createTestDatabase();
  {
    await using publisher = await createTaskSystem({
      databaseUrl: database.url,
      logger: pino({ level: 'silent' }),
    });
    await publisher.publishWorkflows(catalog);
  }
  await using api = await startApiProcess(database.url, { STATEMENT_TIMEOUT_SECONDS: '0.3' });
  const secret = 'sk-live-params-stay-out-of-logs';

  await using holder = connect(database.url, { max: 1 });
  // Reads of tasks go through, the insert of the new task waits for the lock and is cancelled.
  await holder.sql.begin(async (tx) => {
    await tx`lock table tasks in share mode`;
    const submitted = await postJson(`${api.url}/tasks`, { workflow: 'echo', params: { value: secret } });
    expect(submitted.status, api.output()).toBe(503);
  });

  // The log line may reach the api's output after its answer reached us.
  const failedLine = () =>
    api
      .output()
      .split('\n')
      .find((line) => line.includes('"REST request failed"')) ?? '';
  await expect.poll(failedLine, { timeout: 10_000 }).toContain('insert into tasks');
  expect(failedLine()).toContain('params: (not logged)');
  expect(api.output()).not.toContain(secret);
});
