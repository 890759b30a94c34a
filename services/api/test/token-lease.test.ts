import { connect } from '@kaygraph/db';
import { createTestDatabase, type TestDatabase } from '@kaygraph/db/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLeasedBuckets } from '../src/rate-limit/token-lease.ts';

/**
 * Leased buckets on a real database, two "processes" (each its own pool and leases) sharing them. The
 * refill (1 per minute) is too slow to add a whole token during a test.
 */
let database: TestDatabase;
let first: ReturnType<typeof connect>;
let second: ReturnType<typeof connect>;
const limits = { perMinute: 1, burst: 40 };

beforeAll(async () => {
  database = await createTestDatabase();
  first = connect(database.url, { max: 4 });
  second = connect(database.url, { max: 4 });
});
afterAll(async () => {
  await first?.close();
  await second?.close();
  await database?.[Symbol.asyncDispose]();
});

/** Counts the statements a pool sends while `work` runs. */
async function countStatements<T>(pool: ReturnType<typeof connect>, work: () => Promise<T>) {
  let statements = 0;
  const options = pool.sql.options as { debug?: unknown };
  options.debug = () => statements++;
  try {
    return { result: await work(), statements };
  } finally {
    options.debug = false;
  }
}

/** `count` takes of one token, `parallel` at a time; how many were granted. */
async function spend(
  buckets: ReturnType<typeof createLeasedBuckets>,
  key: string,
  count: number,
  parallel: number,
): Promise<number> {
  let next = 0;
  let granted = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next++ < count) if ((await buckets.take(key, 1, limits)).allowed) granted++;
    }),
  );
  return granted;
}

async function storedTokens(key: string): Promise<number> {
  const [row] = await first.sql<
    { tokens: number }[]
  >`select tokens from rate_limit_buckets where key = ${key}`;
  return Number(row?.tokens ?? Number.NaN);
}

describe('leased token buckets', () => {
  test('two processes never spend more than the bucket, and a busy key costs far fewer trips than takes', async () => {
    const a = createLeasedBuckets(first.sql);
    const b = createLeasedBuckets(second.sql);
    const [grantedA, grantedB] = await Promise.all([spend(a, 'busy', 30, 10), spend(b, 'busy', 30, 10)]);
    expect(grantedA + grantedB).toBeLessThanOrEqual(limits.burst);
    expect(grantedA).toBeGreaterThan(0);
    expect(grantedB).toBeGreaterThan(0);
    // Spent plus given back plus still stored is the bucket: nothing made up, nothing lost.
    await Promise.all([a.close(), b.close()]);
    expect(Math.floor((await storedTokens('busy')) + grantedA + grantedB)).toBe(limits.burst);

    const alone = createLeasedBuckets(first.sql);
    const serial = await countStatements(first, () => spend(alone, 'alone', 30, 1));
    expect(serial.result).toBe(30);
    expect(serial.statements).toBeLessThan(15);
    await alone.close();
  });

  test('tokens leased and not spent go back to the bucket for the other process', async () => {
    const a = createLeasedBuckets(first.sql);
    const b = createLeasedBuckets(second.sql);
    const grantedA = await spend(a, 'handover', 10, 1);
    expect(grantedA).toBe(10);
    let grantedB = await spend(b, 'handover', limits.burst, 1);
    // Whatever `a` still holds comes back once its lease runs out; `b` then spends it.
    for (let wait = 0; wait < 20 && grantedA + grantedB < limits.burst; wait++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      grantedB += await spend(b, 'handover', limits.burst - grantedA - grantedB, 1);
    }
    expect(grantedA + grantedB).toBe(limits.burst);
    expect(await spend(a, 'handover', 1, 1)).toBe(0);
    await Promise.all([a.close(), b.close()]);
  });

  test('giving back returns at most what a take spent, to the lease it came from without a trip', async () => {
    const a = createLeasedBuckets(first.sql);
    const fromBucket = await a.take('refund', 1, limits);
    if (!fromBucket.allowed) throw new Error('expected a token');
    // More than it spent, twice: one token goes back, no more.
    await fromBucket.giveBack(5);
    await fromBucket.giveBack(5);
    expect(await storedTokens('refund')).toBe(limits.burst);
    // A quick second take leases spare tokens; a take served from that lease gives back to it.
    await a.take('refund', 1, limits);
    const fromLease = await a.take('refund', 1, limits);
    if (!fromLease.allowed) throw new Error('expected a token');
    const back = await countStatements(first, () => fromLease.giveBack(1));
    expect(back.statements).toBe(0);
    await a.close();
    // Spent plus stored is the bucket: one token spent, nothing made up.
    expect(Math.floor(await storedTokens('refund'))).toBe(limits.burst - 1);
  });

  test('a refused take answers with the wait until enough tokens are back, leases or not', async () => {
    const a = createLeasedBuckets(first.sql);
    expect(await spend(a, 'refused', limits.burst, 4)).toBe(limits.burst);
    const refused = await a.take('refused', 1, limits);
    expect(refused).toMatchObject({ allowed: false });
    expect(!refused.allowed && refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    await a.close();
  });
});
