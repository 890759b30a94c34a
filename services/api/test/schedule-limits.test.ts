import type { ErrorBody } from '@kaygraph/contracts';
import { expect, test } from 'vitest';
import { bearer, openKeyStore } from './auth-keys.ts';
import { startTestServer, type TestServer } from './harness.ts';
import { requestJson } from './http-helpers.ts';

function createSchedule(server: TestServer, key: string, n: number) {
  return requestJson(`${server.url}/schedules`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(key) },
    body: JSON.stringify({
      name: `every minute ${n}`,
      workflow: 'echo',
      params: { value: 'x' },
      cron: '* * * * *',
    }),
  });
}

test('one owner may have MAX_SCHEDULES_PER_OWNER schedules; the next answers 409 and others are unaffected', async () => {
  await using server = await startTestServer({ worker: false, maxSchedulesPerOwner: 3, operations: {} });
  await using store = openKeyStore(server.databaseUrl);
  const spammer = await store.create('spammer');
  const other = await store.create('other');
  for (let n = 0; n < 3; n++) expect((await createSchedule(server, spammer.key, n)).status).toBe(200);
  const refused = await createSchedule(server, spammer.key, 3);
  expect(refused.status).toBe(409);
  expect((refused.body as ErrorBody).message).toContain('MAX_SCHEDULES_PER_OWNER');
  expect((await createSchedule(server, other.key, 0)).status).toBe(200);
});

test('creating schedules spends from the key rate limit: a burst beyond it answers 429', async () => {
  await using server = await startTestServer({
    worker: false,
    operations: { rateLimit: { perMinute: 1, burst: 2 } },
  });
  await using store = openKeyStore(server.databaseUrl);
  const { key } = await store.create('bursty');
  const statuses = [];
  for (let n = 0; n < 3; n++) statuses.push((await createSchedule(server, key, n)).status);
  expect(statuses).toEqual([200, 200, 429]);
});
