import type { Connection } from '@kaygraph/db';
import { type BucketLimits, returnTokens, type TakeResult, takeTokens } from './token-bucket.ts';

/** How long after its last trip to the bucket a process keeps unspent leased tokens before giving them back. */
export const LEASE_MS = 1_000;
/** The most tokens one process holds for one key beyond what it spends at once. */
const MAX_LEASE = 32;
/** Keys tracked before idle ones (holding nothing, unused for a lease window) are forgotten. */
const MAX_TRACKED_KEYS = 1_000;

interface Lease {
  tokens: number;
  /** Tokens this process was granted since its last trip to the bucket: the demand a lease should cover. */
  grantedSinceTake: number;
  /** What the bucket held after that trip. */
  lastRemaining: number;
  lastTakeAt: number;
  /** The bucket size, for giving tokens back. */
  burst: number;
  /** One trip to the bucket at a time per key; the others wait for its lease. */
  taking: Promise<unknown> | undefined;
  giveBack: NodeJS.Timeout | undefined;
}

/**
 * Token buckets (`takeTokens`, shared by every replica through PostgreSQL) taken in small leases: a
 * process that spends a key's tokens quickly takes a few more than it needs at once and spends them
 * locally, so a busy key costs a round trip (and the bucket row's lock) per lease instead of per
 * submit. The limit still holds across processes: every token comes out of the shared bucket before
 * it is spent. A lease stays small: nothing for a key used once in a while (every take is then exact),
 * else at most twice what this process spent since its last trip, half of what the bucket held then,
 * and MAX_LEASE. Tokens a process leased and did not spend within LEASE_MS go back to the bucket (on
 * close at once), so another replica may be refused for them for at most that long; a crash loses at
 * most one lease (fewer submissions, never more).
 */
export function createLeasedBuckets(sql: Connection['sql']) {
  const leases = new Map<string, Lease>();
  const returning = new Set<Promise<unknown>>();

  const giveBack = (key: string, count: number, burst: number) => {
    const done = returnTokens(sql, key, count, burst)
      .catch(() => undefined)
      .finally(() => returning.delete(done));
    returning.add(done);
  };

  const giveBackLater = (key: string, lease: Lease) => {
    clearTimeout(lease.giveBack);
    lease.giveBack = setTimeout(() => {
      lease.giveBack = undefined;
      const unused = lease.tokens;
      lease.tokens = 0;
      if (lease.taking === undefined) leases.delete(key);
      if (unused > 0) giveBack(key, unused, lease.burst);
    }, LEASE_MS);
    lease.giveBack.unref();
  };

  /** Goes to the bucket for `cost` (and a lease beyond it when the key is busy and the bucket full enough). */
  const takeFromBucket = async (key: string, lease: Lease, cost: number, limits: BucketLimits) => {
    const recent = Date.now() - lease.lastTakeAt < LEASE_MS;
    const extra = Math.max(
      0,
      Math.floor(Math.min(MAX_LEASE, lease.lastRemaining / 2, recent ? 2 * lease.grantedSinceTake : 0)),
    );
    let taken = extra > 0 ? await takeTokens(sql, key, cost + extra, limits) : undefined;
    let leased = extra;
    if (!taken?.allowed) {
      taken = await takeTokens(sql, key, cost, limits);
      leased = 0;
    }
    lease.lastTakeAt = Date.now();
    lease.grantedSinceTake = 0;
    if (!taken.allowed) return taken;
    lease.lastRemaining = taken.remaining;
    if (leased > 0) {
      lease.tokens += leased;
      giveBackLater(key, lease);
    }
    return taken;
  };

  /** Forgets keys that hold nothing and were last used before the lease window (bounded memory). */
  const forgetIdleKeys = () => {
    const idleBefore = Date.now() - LEASE_MS;
    for (const [key, lease] of leases) {
      const holds = lease.tokens > 0 || lease.taking !== undefined || lease.giveBack !== undefined;
      if (!holds && lease.lastTakeAt < idleBefore) leases.delete(key);
    }
  };

  /** Spends `cost` tokens of `key`'s bucket, from this process's lease when it holds enough. */
  const take = async (key: string, cost: number, limits: BucketLimits): Promise<TakeResult> => {
    let lease = leases.get(key);
    if (!lease) {
      if (leases.size >= MAX_TRACKED_KEYS) forgetIdleKeys();
      lease = {
        tokens: 0,
        grantedSinceTake: 0,
        lastRemaining: 0,
        lastTakeAt: 0,
        burst: limits.burst,
        taking: undefined,
        giveBack: undefined,
      };
      leases.set(key, lease);
    }
    lease.burst = limits.burst;
    for (;;) {
      // Held tokens are spendable until the timer gives them back: they left the bucket already.
      if (lease.tokens >= cost) {
        lease.tokens -= cost;
        lease.grantedSinceTake += cost;
        return { allowed: true, remaining: lease.tokens };
      }
      if (!lease.taking) break;
      await lease.taking;
    }
    const taking = takeFromBucket(key, lease, cost, limits);
    lease.taking = taking;
    try {
      const result = await taking;
      if (result.allowed) lease.grantedSinceTake += cost;
      return result;
    } finally {
      lease.taking = undefined;
    }
  };

  /** Gives every unused leased token back (on shutdown, before the pool closes). */
  const close = async () => {
    for (const [key, lease] of leases) {
      clearTimeout(lease.giveBack);
      if (lease.tokens > 0) giveBack(key, lease.tokens, lease.burst);
      lease.tokens = 0;
    }
    leases.clear();
    await Promise.allSettled([...returning]);
  };

  return { take, close };
}

export type LeasedBuckets = ReturnType<typeof createLeasedBuckets>;
