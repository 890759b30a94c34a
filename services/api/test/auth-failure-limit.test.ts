import { randomUUID } from 'node:crypto';
import type { ErrorBody } from '@kaygraph/contracts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bearer, openKeyStore } from './auth-keys.ts';
import { startTestServer, type TestServer } from './harness.ts';
import { requestJson } from './http-helpers.ts';

/**
 * Requests with an unknown or revoked API key spend their client address's failed authentications (a
 * bucket in PostgreSQL, shared by the replicas): past them the address is answered 429 with Retry-After,
 * whatever key it sends, until then. Two replicas sit behind one trusted proxy (TRUSTED_PROXY_HOPS 1), so
 * each test is its own client by its `X-Forwarded-For`. No failure comes back during the test (refill
 * 0.001 a minute).
 */
const BURST = 3;
const failedAuthLimit = { perMinute: 0.001, burst: BURST };
let first: TestServer;
let second: TestServer;

beforeAll(async () => {
  const operations = { authRequired: true, failedAuthLimit, trustedProxyHops: 1 };
  first = await startTestServer({ operations, worker: false });
  second = await startTestServer({ operations, worker: false, databaseUrl: first.databaseUrl });
});
afterAll(async () => {
  await second?.[Symbol.asyncDispose]();
  await first?.[Symbol.asyncDispose]();
});

const unknownKey = () => `kg_${randomUUID().replaceAll('-', '')}`;

function listTasks(server: TestServer, key: string, client: string) {
  return requestJson(`${server.url}/tasks`, { headers: { ...bearer(key), 'x-forwarded-for': client } });
}

function expectTooMany(answer: { status: number; headers: Headers; body: unknown }) {
  expect(answer.status).toBe(429);
  expect((answer.body as ErrorBody).code).toBe('RATE_LIMITED');
  expect((answer.body as ErrorBody).message).toMatch(/unknown or revoked API key from this address/);
  expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
}

describe('failed authentications per client address', () => {
  test('unknown keys answer 401 until the burst is spent, then 429 with Retry-After for any key, on every replica', async () => {
    const client = '203.0.113.10';
    for (let n = 0; n < BURST; n++) expect((await listTasks(first, unknownKey(), client)).status).toBe(401);
    expectTooMany(await listTasks(first, unknownKey(), client));
    // The other replica learns it from the shared bucket.
    expectTooMany(await listTasks(second, unknownKey(), client));
    // Refused before any lookup: even a key made just now, over tRPC too.
    await using store = openKeyStore(first.databaseUrl);
    const { key } = await store.create('newcomer');
    expectTooMany(await listTasks(first, key, client));
    const overTrpc = await requestJson(`${first.url}/trpc/tasks.list`, {
      headers: { ...bearer(key), 'x-forwarded-for': client },
    });
    expect(overTrpc.status).toBe(429);
    expect(overTrpc.body).toMatchObject({ error: { data: { errorBody: { code: 'RATE_LIMITED' } } } });
    expect(Number(overTrpc.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another client is not refused, and the new key works there at once, on either replica.
    expect((await listTasks(second, key, '203.0.113.11')).status).toBe(200);
    expect((await listTasks(first, unknownKey(), '203.0.113.11')).status).toBe(401);
  });

  test('a valid key spends nothing; a revoked one is refused at once and spends as an unknown one', async () => {
    const client = '203.0.113.20';
    await using store = openKeyStore(first.databaseUrl);
    const { key } = await store.create('steady');
    for (let n = 0; n < BURST + 2; n++) expect((await listTasks(first, key, client)).status).toBe(200);
    const revoked = await store.create('revoked');
    await store.revoke(revoked.id);
    for (let n = 0; n < BURST; n++) expect((await listTasks(second, revoked.key, client)).status).toBe(401);
    expectTooMany(await listTasks(second, revoked.key, client));
  });

  test('an IPv6 client counts by its /64: changing the rest of the address does not reset it', async () => {
    for (let n = 0; n < BURST; n++) {
      expect((await listTasks(first, unknownKey(), `2001:db8:1:2::${n + 1}`)).status).toBe(401);
    }
    expectTooMany(await listTasks(first, unknownKey(), '2001:db8:1:2:ffff::9'));
    expect((await listTasks(first, unknownKey(), '2001:db8:1:3::1')).status).toBe(401);
  });
});

test('without TRUSTED_PROXY_HOPS a client cannot pass for another by sending X-Forwarded-For', async () => {
  await using server = await startTestServer({
    worker: false,
    operations: { authRequired: true, failedAuthLimit },
  });
  for (let n = 0; n < BURST; n++) {
    expect((await listTasks(server, unknownKey(), `198.51.100.${n + 1}`)).status).toBe(401);
  }
  expectTooMany(await listTasks(server, unknownKey(), '198.51.100.99'));
});
