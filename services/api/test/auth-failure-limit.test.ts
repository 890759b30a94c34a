import { randomUUID } from 'node:crypto';
import type { ErrorBody } from '@kaygraph/contracts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bearer, openKeyStore } from './auth-keys.ts';
import { startTestServer, type TestServer } from './harness.ts';
import { requestJson } from './http-helpers.ts';

/**
 * Requests with an unknown or revoked API key spend their client address's failed authentications (a
 * bucket in PostgreSQL, shared by the replicas): past them, such keys from the address are answered 429
 * with Retry-After instead of 401, while a valid key from it is served as ever. Two replicas sit behind
 * one trusted proxy (TRUSTED_PROXY_HOPS 1), so each test is its own client by its `X-Forwarded-For`. No
 * failure comes back during the test (refill 0.001 a minute).
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

const listOverTrpc = (server: TestServer, key: string, client: string) =>
  requestJson(`${server.url}/trpc/tasks.list?input=${encodeURIComponent('{}')}`, {
    headers: { ...bearer(key), 'x-forwarded-for': client },
  });

describe('failed authentications per client address', () => {
  test('unknown keys answer 401 until the burst is spent, then 429 with Retry-After, on every replica', async () => {
    const client = '203.0.113.10';
    for (let n = 0; n < BURST; n++) expect((await listTasks(first, unknownKey(), client)).status).toBe(401);
    expectTooMany(await listTasks(first, unknownKey(), client));
    // The other replica learns it from the shared bucket.
    expectTooMany(await listTasks(second, unknownKey(), client));
    const overTrpc = await listOverTrpc(first, unknownKey(), client);
    expect(overTrpc.status).toBe(429);
    expect(overTrpc.body).toMatchObject({ error: { data: { errorBody: { code: 'RATE_LIMITED' } } } });
    expect(Number(overTrpc.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another client is not refused.
    expect((await listTasks(first, unknownKey(), '203.0.113.11')).status).toBe(401);
  });

  test('a valid key is served from an address past its failed authentications, on every replica and surface', async () => {
    // A neighbour behind the same NAT keeps retrying with a revoked key.
    const client = '203.0.113.15';
    await using store = openKeyStore(first.databaseUrl);
    const old = await store.create('neighbour');
    const revoked = await store.create('revoked');
    await store.revoke(revoked.id);
    for (let n = 0; n < BURST; n++) expect((await listTasks(first, revoked.key, client)).status).toBe(401);
    expectTooMany(await listTasks(first, revoked.key, client));
    // A key made just now, which no replica has verified yet, and one made before, on both replicas.
    const { key } = await store.create('newcomer');
    expect((await listTasks(first, key, client)).status).toBe(200);
    expect((await listTasks(second, key, client)).status).toBe(200);
    expect((await listOverTrpc(second, old.key, client)).status).toBe(200);
    expect((await listTasks(first, old.key, client)).status).toBe(200);
    // Meanwhile the address's unknown and revoked keys stay refused, not 401 again.
    expectTooMany(await listTasks(first, revoked.key, client));
    expectTooMany(await listTasks(second, unknownKey(), client));
    expectTooMany(await listTasks(second, revoked.key, client));
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

  test('a port or brackets in X-Forwarded-For do not make a new client', async () => {
    for (let n = 0; n < BURST; n++) {
      expect((await listTasks(first, unknownKey(), `203.0.113.30:${51000 + n}`)).status).toBe(401);
    }
    expectTooMany(await listTasks(first, unknownKey(), '203.0.113.30:52000'));
    expectTooMany(await listTasks(second, unknownKey(), '203.0.113.30'));
    expectTooMany(await listTasks(second, unknownKey(), '::ffff:203.0.113.30'));
    for (let n = 0; n < BURST; n++) {
      expect((await listTasks(first, unknownKey(), `[2001:db8:5:6::${n + 1}]:443`)).status).toBe(401);
    }
    expectTooMany(await listTasks(first, unknownKey(), '[2001:db8:5:6::99]'));
    expectTooMany(await listTasks(second, unknownKey(), '2001:db8:5:6::100'));
  });
});

test('an X-Forwarded-For entry that names no address counts as the proxy that wrote it', async () => {
  await using server = await startTestServer({
    worker: false,
    operations: { authRequired: true, failedAuthLimit, trustedProxyHops: 1 },
  });
  for (let n = 0; n < BURST; n++) {
    expect((await listTasks(server, unknownKey(), `not-an-address-${n}`)).status).toBe(401);
  }
  expectTooMany(await listTasks(server, unknownKey(), 'not-an-address-again'));
  // It was the proxy's (the socket peer's) own bucket.
  expectTooMany(await requestJson(`${server.url}/tasks`, { headers: bearer(unknownKey()) }));
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
  // Every client behind one proxy shares that address: their valid keys still work.
  await using store = openKeyStore(server.databaseUrl);
  const { key } = await store.create('behind the same proxy');
  expect((await listTasks(server, key, '198.51.100.100')).status).toBe(200);
});
