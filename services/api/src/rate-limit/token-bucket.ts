import type { Connection } from '@kaygraph/db';

export interface BucketLimits {
  /** Tokens added per minute. */
  perMinute: number;
  /** Bucket size: how many may be spent at once after a quiet spell. */
  burst: number;
}

export type TakeResult = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

/**
 * Token buckets in `rate_limit_buckets`, shared by every api replica on the database. Taking tokens
 * is one statement: the upsert refills the bucket by the time elapsed since it was last written and
 * spends `cost` only when that many are there (the row lock orders concurrent takers, each seeing
 * the previous one's result). When it spends nothing, the statement's snapshot of the row says how
 * long until enough tokens will be there.
 */
export async function takeTokens(
  sql: Connection['sql'],
  key: string,
  cost: number,
  limits: BucketLimits,
): Promise<TakeResult> {
  const perSecond = limits.perMinute / 60;
  if (cost > limits.burst) {
    // Could never succeed; the hint is a full bucket's refill time.
    return { allowed: false, retryAfterSeconds: Math.ceil(limits.burst / perSecond) };
  }
  const [row] = await sql<{ remaining: number | null; available: number | null }[]>`
    with previous as (
      select least(${limits.burst}::float8,
                   tokens + greatest(0, extract(epoch from clock_timestamp() - updated_at)) * ${perSecond}::float8)
               as available
      from rate_limit_buckets where key = ${key}
    ), taken as (
      insert into rate_limit_buckets as bucket (key, tokens, updated_at)
      values (${key}, ${limits.burst}::float8 - ${cost}::float8, clock_timestamp())
      on conflict (key) do update
        set tokens = least(${limits.burst}::float8,
                           bucket.tokens + greatest(0, extract(epoch from clock_timestamp() - bucket.updated_at))
                             * ${perSecond}::float8) - ${cost}::float8,
            updated_at = clock_timestamp()
        where least(${limits.burst}::float8,
                    bucket.tokens + greatest(0, extract(epoch from clock_timestamp() - bucket.updated_at))
                      * ${perSecond}::float8) >= ${cost}::float8
      returning tokens
    )
    select (select tokens from taken) as remaining, (select available from previous) as available`;
  if (row && row.remaining !== null) return { allowed: true, remaining: Number(row.remaining) };
  const available = Number(row?.available ?? 0);
  const missing = Math.max(cost - available, 0);
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(missing / perSecond)) };
}

/**
 * Puts back tokens taken earlier and not spent (a lease that ran out): added to what the row holds as
 * of its `updated_at`, never beyond the burst.
 */
export async function returnTokens(
  sql: Connection['sql'],
  key: string,
  count: number,
  burst: number,
): Promise<void> {
  await sql`
    update rate_limit_buckets set tokens = least(${burst}::float8, tokens + ${count}::float8)
    where key = ${key}`;
}
