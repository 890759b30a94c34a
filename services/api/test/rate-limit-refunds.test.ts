import { randomUUID } from 'node:crypto';
import type { ErrorBody } from '@kaygraph/contracts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LEASE_MS } from '../src/rate-limit/token-lease.ts';
import { bearer, openKeyStore } from './auth-keys.ts';
import { startTestServer, type TestServer } from './harness.ts';
import { requestJson } from './http-helpers.ts';

/**
 * What a key's rate limit counts: tasks queued. A submission the service refuses (400, 404, 409, 413,
 * 429 QUEUE_FULL) queues nothing and gives its tokens back; a replay of an idempotency key queues nothing
 * either. Two api processes share one database. The refill (1 per minute by default) is too slow to add a
 * token during a test.
 */
const BURST = 10;
const PER_MINUTE = 1;
let first: TestServer;
let second: TestServer;

beforeAll(async () => {
  const operations = { rateLimit: { perMinute: PER_MINUTE, burst: BURST } };
  first = await startTestServer({ operations, worker: false });
  second = await startTestServer({ operations, worker: false, databaseUrl: first.databaseUrl });
});
afterAll(async () => {
  await second?.[Symbol.asyncDispose]();
  await first?.[Symbol.asyncDispose]();
});

const echo = { workflow: 'echo', params: { value: 'x' } };
const badParams = { workflow: 'echo', params: { value: 5 } };
const unknownWorkflow = { workflow: 'no-such-workflow', params: {} };
const unknownDependency = () => ({ ...echo, depends_on: [randomUUID()] });

function post(server: TestServer, key: string, path: string, body?: unknown) {
  return requestJson(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(key) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function newKey(name: string, rateLimitPerMinute?: number): Promise<string> {
  await using store = openKeyStore(first.databaseUrl);
  return (await store.create(name, rateLimitPerMinute === undefined ? {} : { rateLimitPerMinute })).key;
}

describe('refused submissions give their tokens back', () => {
  test('a key limited to N a minute sends N refused submits, then N valid ones; one more is 429', async () => {
    const limit = 3;
    const key = await newKey('careless', limit);
    for (let i = 0; i < limit; i++) {
      expect((await post(first, key, '/tasks', badParams)).status).toBe(400);
      expect((await post(second, key, '/tasks', unknownWorkflow)).status).toBe(400);
      expect((await post(first, key, '/tasks', unknownDependency())).status).toBe(404);
    }
    const before = await first.countTasks();
    for (let i = 0; i < limit; i++)
      expect((await post(i % 2 ? first : second, key, '/tasks', echo)).status).toBe(202);
    const refused = await post(first, key, '/tasks', echo);
    expect(refused.status).toBe(429);
    expect((refused.body as ErrorBody).code).toBe('RATE_LIMITED');
    expect(await first.countTasks()).toBe(before + limit);
  });

  test('a refused batch gives back the whole batch', async () => {
    const key = await newKey('batcher', 3);
    const refused = await post(first, key, '/trpc/tasks.submitMany', { tasks: [echo, echo, badParams] });
    expect(refused.status).toBe(400);
    expect((await post(first, key, '/trpc/tasks.submitMany', { tasks: [echo, echo, echo] })).status).toBe(
      200,
    );
    expect((await post(first, key, '/tasks', echo)).status).toBe(429);
  });

  test('a group refused for one of its tasks gives back every task', async () => {
    const key = await newKey('grouper', 2);
    const group = (tasks: unknown[]) => post(second, key, '/trpc/groups.create', { name: 'g', tasks });
    expect((await group([echo, unknownDependency()])).status).toBe(404);
    expect((await group([echo, echo])).status).toBe(200);
    expect((await group([echo])).status).toBe(429);
  });

  test('a replay of an idempotency key returns the earlier task and costs nothing', async () => {
    const key = await newKey('replayer', 2);
    const once = { ...echo, idempotency_key: 'once' };
    const original = await post(first, key, '/tasks', once);
    expect(original.status).toBe(202);
    const replay = await post(first, key, '/tasks', once);
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ deduplicated: true });
    expect((await post(second, key, '/tasks', echo)).status).toBe(202);
    expect((await post(second, key, '/tasks', echo)).status).toBe(429);
  });

  test('a refused redrive gives its token back', async () => {
    const key = await newKey('redriver', 1);
    expect((await post(first, key, `/dead-letters/${randomUUID()}/redrive`)).status).toBe(404);
    expect((await post(first, key, '/tasks', echo)).status).toBe(202);
    expect((await post(first, key, '/tasks', echo)).status).toBe(429);
  });
});

describe('Retry-After across replicas', () => {
  test("a 429 says no more than the real wait plus the lease time, while another replica's lease is out", async () => {
    // A slow moment can let the first replica's lease lapse before the refusal, which leaves nothing of
    // the lease to test: such a round is run again with a new key.
    for (let round = 0; round < 3; round++) {
      const key = await newKey(`two-replicas-${round}`);
      // Two quick submits make the first replica lease spare tokens beyond what it spends.
      const spentOnFirst = 2;
      for (let i = 0; i < spentOnFirst; i++)
        expect((await post(first, key, '/tasks', echo)).status).toBe(202);
      let acceptedOnSecond = 0;
      let refused: Awaited<ReturnType<typeof post>> | undefined;
      while (!refused && acceptedOnSecond <= BURST) {
        const answer = await post(second, key, '/tasks', echo);
        if (answer.status === 202) acceptedOnSecond++;
        else refused = answer;
      }
      expect(refused?.status).toBe(429);
      // The bucket's state at the refusal: whatever neither replica spent was still leased by the first,
      // which gives it back within LEASE_MS of its last trip to the bucket.
      const heldByFirst = BURST - spentOnFirst - acceptedOnSecond;
      if (heldByFirst <= 0) continue;
      const retryAfter = Number(refused?.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      const leaseSeconds = LEASE_MS / 1000;
      expect(retryAfter).toBeLessThanOrEqual(Math.ceil(leaseSeconds + leaseSeconds));
      return;
    }
    throw new Error("three rounds ended without a lease of the first replica's left at the refusal");
  });
});
