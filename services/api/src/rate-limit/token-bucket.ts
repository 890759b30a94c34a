import type { Connection } from '@kaygraph/db';

export interface BucketLimits {
  /** Tokens added per minute. */
  perMinute: number;
  /** Bucket size: how many may be spent at once after a quiet spell. */
  burst: number;
}

export type TakeResult = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

/** How long a process holds tokens it leased (beyond what it spent) before giving back the unspent ones. */
export const LEASE_MS = 1_000;

/**
 * What the taking process holds in leases, so the row's `leased` stays the sum of what processes hold:
 * each write replaces this process's share (`reported`, as of its previous write) by what it holds after.
 */
export interface LeaseShare {
  /** Tokens taken beyond `cost` to hold as a lease (for LEASE_MS from now). */
  extra: number;
  /** Leased tokens this process holds now, unspent. */
  held: number;
  /** This process's share of the row's `leased`, as of its previous write. */
  reported: number;
}

const NO_LEASE: LeaseShare = { extra: 0, held: 0, reported: 0 };

/**
 * How long until `missing` tokens can be there: the refill, or sooner when leases other processes hold
 * (expected back when the last of them runs out, `leaseSeconds` from now) cover part of it. Leased tokens
 * their holder spends never come back: the answer is the earliest a take can pass, never later than it.
 */
function secondsUntilTokens(missing: number, perSecond: number, coming: number, leaseSeconds: number) {
  const byRefill = missing / perSecond;
  if (coming <= 0) return byRefill;
  return Math.min(byRefill, Math.max(leaseSeconds, (missing - coming) / perSecond));
}

/**
 * Token buckets in `rate_limit_buckets`, shared by every api replica on the database. Taking tokens
 * is one statement: the upsert refills the bucket by the time elapsed since it was last written and
 * spends `cost` (plus `lease.extra`) only when that many are there (the row lock orders concurrent
 * takers, each seeing the previous one's result). When it spends nothing, the statement's snapshot of the
 * row says how long until enough tokens will be there: by refill, or by leases coming back (a lease not
 * back a lease length after it ran out belongs to a process that died, and no longer counts).
 */
export async function takeTokens(
  sql: Connection['sql'],
  key: string,
  cost: number,
  limits: BucketLimits,
  lease: LeaseShare = NO_LEASE,
): Promise<TakeResult> {
  const perSecond = limits.perMinute / 60;
  const total = cost + lease.extra;
  if (total > limits.burst) {
    // Could never succeed; the hint is a full bucket's refill time.
    return { allowed: false, retryAfterSeconds: Math.ceil(limits.burst / perSecond) };
  }
  const leaseSeconds = LEASE_MS / 1000;
  const [row] = await sql<
    {
      remaining: number | null;
      available: number | null;
      leased: number | null;
      lease_seconds: number | null;
    }[]
  >`
    with previous as (
      select least(${limits.burst}::float8,
                   tokens + greatest(0, extract(epoch from clock_timestamp() - updated_at)) * ${perSecond}::float8)
               as available,
             case when leased_until + make_interval(secs => ${leaseSeconds}) > clock_timestamp()
                  then leased else 0 end as leased,
             extract(epoch from leased_until - clock_timestamp()) as lease_seconds
      from rate_limit_buckets where key = ${key}
    ), taken as (
      insert into rate_limit_buckets as bucket (key, tokens, updated_at, leased, leased_until)
      values (${key}, ${limits.burst}::float8 - ${total}::float8, clock_timestamp(), ${lease.held + lease.extra}::float8,
              case when ${lease.extra}::float8 > 0
                   then clock_timestamp() + make_interval(secs => ${leaseSeconds}) end)
      on conflict (key) do update
        set tokens = least(${limits.burst}::float8,
                           bucket.tokens + greatest(0, extract(epoch from clock_timestamp() - bucket.updated_at))
                             * ${perSecond}::float8) - ${total}::float8,
            updated_at = clock_timestamp(),
            leased = greatest(0,
                       case when bucket.leased_until + make_interval(secs => ${leaseSeconds}) > clock_timestamp()
                            then bucket.leased else 0 end
                       + ${lease.held + lease.extra - lease.reported}::float8),
            leased_until = case when ${lease.extra}::float8 > 0
                                then clock_timestamp() + make_interval(secs => ${leaseSeconds})
                                else bucket.leased_until end
        where least(${limits.burst}::float8,
                    bucket.tokens + greatest(0, extract(epoch from clock_timestamp() - bucket.updated_at))
                      * ${perSecond}::float8) >= ${total}::float8
      returning tokens
    )
    select (select tokens from taken) as remaining, (select available from previous) as available,
           (select leased from previous) as leased, (select lease_seconds from previous) as lease_seconds`;
  if (row && row.remaining !== null) return { allowed: true, remaining: Number(row.remaining) };
  const missing = Math.max(total - Number(row?.available ?? 0), 0);
  // Others' leases, and what this process holds itself: both go back to the bucket when their lease ends.
  const coming = Math.max(0, Number(row?.leased ?? 0) - lease.reported) + lease.held;
  const wait = secondsUntilTokens(missing, perSecond, coming, Math.max(0, Number(row?.lease_seconds ?? 0)));
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(wait)) };
}

/**
 * Puts back `count` tokens taken earlier and not spent (a lease that ran out, a refused submission): added
 * to what the row holds as of its `updated_at`, never beyond the burst. `reported`: the giver's share of
 * `leased`, which it no longer holds.
 */
export async function returnTokens(
  sql: Connection['sql'],
  key: string,
  count: number,
  burst: number,
  reported = 0,
): Promise<void> {
  const leaseSeconds = LEASE_MS / 1000;
  await sql`
    update rate_limit_buckets
    set tokens = least(${burst}::float8, tokens + ${count}::float8),
        leased = greatest(0,
                   case when leased_until + make_interval(secs => ${leaseSeconds}) > clock_timestamp()
                        then leased else 0 end - ${reported}::float8)
    where key = ${key}`;
}

/**
 * Deletes the buckets whose key starts with `prefix` that have refilled whole (untouched for
 * `refilledAfterSeconds`, the refill time of an empty one) and whose leases ended: such a row is the same
 * as none, so keys that come and go (client addresses) do not pile up.
 */
export async function deleteRefilledBuckets(
  sql: Connection['sql'],
  prefix: string,
  refilledAfterSeconds: number,
): Promise<void> {
  const leaseSeconds = LEASE_MS / 1000;
  await sql`
    delete from rate_limit_buckets
    where starts_with(key, ${prefix})
      and updated_at < clock_timestamp() - make_interval(secs => ${refilledAfterSeconds})
      and (leased_until is null or leased_until + make_interval(secs => ${leaseSeconds}) < clock_timestamp())`;
}
