import { connect } from '@kaygraph/db';
import { createTestDatabase, type TestDatabase } from '@kaygraph/db/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { deleteRefilledBuckets, returnTokens, takeTokens } from '../src/rate-limit/token-bucket.ts';

/** The token bucket statement on a real database; time passes by moving `updated_at` back. */
let database: TestDatabase;
let connection: ReturnType<typeof connect>;

beforeAll(async () => {
  database = await createTestDatabase();
  connection = connect(database.url, { max: 4 });
});
afterAll(async () => {
  await connection?.close();
  await database?.[Symbol.asyncDispose]();
});

async function age(key: string, seconds: number): Promise<void> {
  await connection.sql`
    update rate_limit_buckets set updated_at = updated_at - make_interval(secs => ${seconds}) where key = ${key}`;
}

describe('takeTokens', () => {
  test('a new bucket starts full; spending more than is left is refused with the wait until refill', async () => {
    const limits = { perMinute: 6, burst: 5 };
    expect(await takeTokens(connection.sql, 'a', 3, limits)).toEqual({ allowed: true, remaining: 2 });
    const refused = await takeTokens(connection.sql, 'a', 4, limits);
    expect(refused.allowed).toBe(false);
    // 2 of 4 there (plus the little that trickled in since), one every 10 s: 20 s to wait.
    expect(refused).toMatchObject({ retryAfterSeconds: 20 });
    const rows = await connection.sql<
      { tokens: number }[]
    >`select tokens from rate_limit_buckets where key = 'a'`;
    expect(rows[0]?.tokens).toBe(2);
  });

  test('tokens come back with time, never beyond the burst', async () => {
    const limits = { perMinute: 60, burst: 5 };
    await takeTokens(connection.sql, 'b', 5, limits);
    expect((await takeTokens(connection.sql, 'b', 1, limits)).allowed).toBe(false);
    await age('b', 3);
    const after = await takeTokens(connection.sql, 'b', 3, limits);
    expect(after.allowed).toBe(true);
    await age('b', 3600);
    const full = await takeTokens(connection.sql, 'b', 1, limits);
    expect(full).toMatchObject({ allowed: true });
    expect(full.allowed && Math.round(full.remaining)).toBe(4);
  });

  test('concurrent takers never spend more than the bucket holds', async () => {
    const limits = { perMinute: 1, burst: 10 };
    const results = await Promise.all(
      Array.from({ length: 25 }, () => takeTokens(connection.sql, 'c', 1, limits)),
    );
    expect(results.filter((result) => result.allowed)).toHaveLength(10);
  });

  test("a refused take is told when another process's lease comes back, when that is sooner than the refill", async () => {
    const limits = { perMinute: 1, burst: 6 };
    // One process spends 2 and leases 4 more; it would give the unspent back when its lease ends.
    expect(
      await takeTokens(connection.sql, 'e', 2, limits, { extra: 4, held: 0, reported: 0 }),
    ).toMatchObject({
      allowed: true,
    });
    await connection.sql`
      update rate_limit_buckets set leased_until = clock_timestamp() + interval '30 seconds' where key = 'e'`;
    // Another needs 1: the lease (back in 30 s) covers it, the refill would take 60 s.
    expect(await takeTokens(connection.sql, 'e', 1, limits)).toEqual({
      allowed: false,
      retryAfterSeconds: 30,
    });
    // 5 missing: the lease's 4 in 30 s, the fifth only by refill.
    expect(await takeTokens(connection.sql, 'e', 5, limits)).toMatchObject({ retryAfterSeconds: 60 });
    // Given back (4 unused, its share settled): what is stored is the bucket less the 2 spent.
    await returnTokens(connection.sql, 'e', 4, limits.burst, 4);
    const [row] = await connection.sql<{ tokens: number; leased: number }[]>`
      select tokens, leased from rate_limit_buckets where key = 'e'`;
    expect(row).toEqual({ tokens: 4, leased: 0 });
  });

  test('a batch larger than the burst can never pass', async () => {
    const refused = await takeTokens(connection.sql, 'd', 11, { perMinute: 60, burst: 10 });
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 10 });
  });
});

describe('deleteRefilledBuckets', () => {
  test('deletes the refilled buckets of the prefix only: recent, leased and other buckets stay', async () => {
    const limits = { perMinute: 60, burst: 5 };
    for (const key of ['gone:old', 'gone:recent', 'gone:leased', 'kept:old']) {
      await takeTokens(connection.sql, key, 5, limits);
    }
    // A replica holds a lease of this one: its tokens are not all back yet.
    await connection.sql`
      update rate_limit_buckets set leased = 1, leased_until = clock_timestamp() + interval '1 second'
      where key = 'gone:leased'`;
    for (const key of ['gone:old', 'gone:leased', 'kept:old']) await age(key, 10);
    await deleteRefilledBuckets(connection.sql, 'gone:', 5);
    const rows = await connection.sql<{ key: string }[]>`
      select key from rate_limit_buckets where key in ('gone:old', 'gone:recent', 'gone:leased', 'kept:old')
      order by key`;
    expect(rows.map((row) => row.key)).toEqual(['gone:leased', 'gone:recent', 'kept:old']);
    // Deleted, it starts full again: what the refilled row would have answered.
    expect(await takeTokens(connection.sql, 'gone:old', 5, limits)).toEqual({ allowed: true, remaining: 0 });
  });
});
