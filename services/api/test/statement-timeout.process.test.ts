import { connect } from '@kaygraph/db';
import { createTestDatabase } from '@kaygraph/db/testing';
import { expect, test } from 'vitest';
import { startApiProcess } from './api-process.ts';
import { requestJson } from './http-helpers.ts';

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
