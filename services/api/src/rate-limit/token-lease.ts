import type { Connection } from '@kaygraph/db';
import {
  type BucketLimits,
  deleteRefilledBuckets,
  LEASE_MS,
  returnTokens,
  type TakeResult,
  takeTokens,
} from './token-bucket.ts';

export { LEASE_MS };

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
  /** This process's share of the row's `leased`, as of its last write (what it held then). */
  reported: number;
  /** Counts the times the lease was given back: a token spent from an earlier one is no longer its to hold. */
  generation: number;
  /** The bucket size, for giving tokens back. */
  burst: number;
  /** One trip to the bucket at a time per key; the others wait for its lease. */
  taking: Promise<unknown> | undefined;
  /** The timer that gives the lease's unspent tokens back once LEASE_MS passes without a renewal. */
  returnTimer: NodeJS.Timeout | undefined;
}

/**
 * Tokens a take spent. `giveBack` returns up to what it spent, once (a refused submission): tokens spent
 * from this process's lease go back to it while it lasts, others to the shared bucket (capped at the
 * burst), so giving back never makes up tokens.
 */
export type Spent = { allowed: true; remaining: number; giveBack(count: number): Promise<void> };
export type LeasedTakeResult = Spent | Extract<TakeResult, { allowed: false }>;

/**
 * Token buckets (`takeTokens`, shared by every replica through PostgreSQL) taken in small leases: a
 * process that spends a key's tokens quickly takes a few more than it needs at once and spends them
 * locally, so a busy key costs a round trip (and the bucket row's lock) per lease instead of per
 * submit. The limit still holds across processes: every token comes out of the shared bucket before
 * it is spent. A lease stays small: nothing for a key used once in a while (every take is then exact),
 * else at most twice what this process spent since its last trip, half of what the bucket held then,
 * and MAX_LEASE. Tokens a process leased and did not spend within LEASE_MS go back to the bucket (on
 * close at once), so another replica may be refused for them for at most that long, and its Retry-After
 * says so: the bucket row counts what processes hold (`leased`) and until when. A crash loses at most one
 * lease (fewer submissions, never more).
 */
export function createLeasedBuckets(sql: Connection['sql']) {
  const leases = new Map<string, Lease>();
  const returning = new Set<Promise<unknown>>();

  const returnToBucket = (key: string, count: number, burst: number, reported = 0) => {
    const done = returnTokens(sql, key, count, burst, reported)
      .catch(() => undefined)
      .finally(() => returning.delete(done));
    returning.add(done);
    return done;
  };

  /** Ends the lease: unspent tokens back to the bucket, and this process's share of `leased` settled. */
  const endLease = (key: string, lease: Lease) => {
    const unused = lease.tokens;
    const reported = lease.reported;
    lease.tokens = 0;
    lease.reported = 0;
    lease.generation++;
    if (unused > 0 || reported > 0) returnToBucket(key, unused, lease.burst, reported);
  };

  const giveBackLater = (key: string, lease: Lease) => {
    clearTimeout(lease.returnTimer);
    lease.returnTimer = setTimeout(() => {
      lease.returnTimer = undefined;
      if (lease.taking === undefined) {
        leases.delete(key);
        endLease(key, lease);
        return;
      }
      // The trip under way writes this process's share; end the lease after it unless it leased anew.
      const endUnlessRenewed = () => {
        if (lease.returnTimer === undefined) endLease(key, lease);
      };
      lease.taking.then(endUnlessRenewed, endUnlessRenewed);
    }, LEASE_MS);
    lease.returnTimer.unref();
  };

  /** Goes to the bucket for `cost` (and a lease beyond it when the key is busy and the bucket full enough). */
  const takeFromBucket = async (key: string, lease: Lease, cost: number, limits: BucketLimits) => {
    const recent = Date.now() - lease.lastTakeAt < LEASE_MS;
    const extra = Math.max(
      0,
      Math.floor(Math.min(MAX_LEASE, lease.lastRemaining / 2, recent ? 2 * lease.grantedSinceTake : 0)),
    );
    const share = { held: lease.tokens, reported: lease.reported };
    let taken = extra > 0 ? await takeTokens(sql, key, cost, limits, { ...share, extra }) : undefined;
    let leased = extra;
    if (!taken?.allowed) {
      taken = await takeTokens(sql, key, cost, limits, { ...share, extra: 0 });
      leased = 0;
    }
    lease.lastTakeAt = Date.now();
    lease.grantedSinceTake = 0;
    if (!taken.allowed) return taken;
    lease.lastRemaining = taken.remaining;
    lease.reported = share.held + leased;
    if (leased > 0) {
      lease.tokens += leased;
      giveBackLater(key, lease);
    }
    return taken;
  };

  /**
   * Gives back up to `spent` tokens of one take, once: to the lease they came from while it lasts (no
   * trip to the bucket), else to the bucket. Never more than the take spent, so nothing is made up.
   */
  const giveBackOf = (key: string, lease: Lease, spent: number, from: 'lease' | 'bucket') => {
    const generation = lease.generation;
    const burst = lease.burst;
    let left = spent;
    return async (count: number): Promise<void> => {
      const tokens = Math.min(Math.max(0, count), left);
      left -= tokens;
      if (tokens === 0) return;
      const leaseLasts = lease.generation === generation && leases.get(key) === lease;
      if (from === 'lease' && leaseLasts) {
        lease.tokens += tokens;
        return;
      }
      await returnToBucket(key, tokens, burst);
    };
  };

  /** Forgets keys that hold nothing and were last used before the lease window (bounded memory). */
  const forgetIdleKeys = () => {
    const idleBefore = Date.now() - LEASE_MS;
    for (const [key, lease] of leases) {
      const holds = lease.tokens > 0 || lease.taking !== undefined || lease.returnTimer !== undefined;
      if (!holds && lease.lastTakeAt < idleBefore) leases.delete(key);
    }
  };

  /** Spends `cost` tokens of `key`'s bucket, from this process's lease when it holds enough. */
  const take = async (key: string, cost: number, limits: BucketLimits): Promise<LeasedTakeResult> => {
    let lease = leases.get(key);
    if (!lease) {
      if (leases.size >= MAX_TRACKED_KEYS) forgetIdleKeys();
      lease = {
        tokens: 0,
        grantedSinceTake: 0,
        lastRemaining: 0,
        lastTakeAt: 0,
        reported: 0,
        generation: 0,
        burst: limits.burst,
        taking: undefined,
        returnTimer: undefined,
      };
      leases.set(key, lease);
    }
    lease.burst = limits.burst;
    for (;;) {
      // Held tokens are spendable until the timer gives them back: they left the bucket already.
      if (lease.tokens >= cost) {
        lease.tokens -= cost;
        lease.grantedSinceTake += cost;
        return { allowed: true, remaining: lease.tokens, giveBack: giveBackOf(key, lease, cost, 'lease') };
      }
      if (!lease.taking) break;
      await lease.taking;
    }
    const taking = takeFromBucket(key, lease, cost, limits);
    lease.taking = taking;
    try {
      const result = await taking;
      if (!result.allowed) return result;
      lease.grantedSinceTake += cost;
      return { ...result, giveBack: giveBackOf(key, lease, cost, 'bucket') };
    } finally {
      lease.taking = undefined;
    }
  };

  /** Gives every unused leased token back (on shutdown, before the pool closes). */
  const close = async () => {
    for (const [key, lease] of leases) {
      clearTimeout(lease.returnTimer);
      lease.returnTimer = undefined;
      endLease(key, lease);
    }
    leases.clear();
    await Promise.allSettled([...returning]);
  };

  /** Deletes the refilled buckets of keys starting with `prefix` (see deleteRefilledBuckets). */
  const forgetRefilled = (prefix: string, refilledAfterSeconds: number) =>
    deleteRefilledBuckets(sql, prefix, refilledAfterSeconds);

  return { take, forgetRefilled, close };
}

export type LeasedBuckets = ReturnType<typeof createLeasedBuckets>;
