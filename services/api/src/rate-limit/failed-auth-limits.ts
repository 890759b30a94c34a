import { DomainError } from '@kaygraph/contracts';
import type { LeasedBuckets } from './token-lease.ts';

export interface FailedAuthLimitOptions {
  /** The shared buckets (createLeasedBuckets on the operations pool), the submission limits' own. */
  buckets: Pick<LeasedBuckets, 'take' | 'forgetRefilled'>;
  /** AUTH_FAILURES_PER_MINUTE: unknown or revoked keys per minute per client address; 0 turns it off. */
  perMinute: number;
  /** AUTH_FAILURES_BURST: how many an address may present at once after a quiet spell. */
  burst: number;
}

export interface FailedAuthLimiter {
  /**
   * Refuses a failed authentication from an address this process knows to have used up its failed
   * authentications, without taking from its bucket: RATE_LIMITED (429) with the seconds left.
   */
  refuseIfBlocked(address: string | undefined): void;
  /** Counts one unknown or revoked key from `address`: RATE_LIMITED (429, Retry-After) once none is left. */
  failed(address: string | undefined): Promise<void>;
}

const BUCKET_PREFIX = 'auth-failures:';
/** Addresses remembered as blocked in one process; past it, expired ones are dropped first. */
const MAX_BLOCKED = 10_000;
/** Full buckets of addresses are deleted at most this often (a full bucket is the same as none). */
const FORGET_INTERVAL_MS = 60_000;

function refusal(seconds: number): DomainError {
  return new DomainError(
    'RATE_LIMITED',
    `too many requests with an unknown or revoked API key from this address; retry in ${seconds} s`,
    { retryAfterSeconds: seconds },
  );
}

/**
 * Failed authentications per client address, a second kind of bucket beside the submission limits in the
 * same table (shared by every replica through PostgreSQL). Only failures are counted or refused: a valid
 * key is served from any address. Once an address's bucket is empty, this process answers its unknown and
 * revoked keys with 429 until Retry-After without taking from the bucket again, so past the burst such a
 * key costs the key lookup alone. Addresses without one (no socket peer) are not limited.
 */
export function createFailedAuthLimiter(opts: FailedAuthLimitOptions): FailedAuthLimiter | undefined {
  if (opts.perMinute <= 0) return undefined;
  const limits = { perMinute: opts.perMinute, burst: Math.max(1, opts.burst) };
  const refilledAfterSeconds = Math.ceil((limits.burst / limits.perMinute) * 60);
  const blockedUntil = new Map<string, number>();
  let forgottenAt = Date.now();

  const block = (address: string, seconds: number) => {
    if (blockedUntil.size >= MAX_BLOCKED) {
      const now = Date.now();
      for (const [blocked, until] of blockedUntil) if (until <= now) blockedUntil.delete(blocked);
      if (blockedUntil.size >= MAX_BLOCKED) return;
    }
    blockedUntil.set(address, Date.now() + seconds * 1000);
  };

  const forgetRefilledNowAndThen = () => {
    if (Date.now() - forgottenAt < FORGET_INTERVAL_MS) return;
    forgottenAt = Date.now();
    opts.buckets.forgetRefilled(BUCKET_PREFIX, refilledAfterSeconds).catch(() => undefined);
  };

  return {
    refuseIfBlocked: (address) => {
      if (address === undefined) return;
      const until = blockedUntil.get(address);
      if (until === undefined) return;
      const left = until - Date.now();
      if (left <= 0) {
        blockedUntil.delete(address);
        return;
      }
      throw refusal(Math.ceil(left / 1000));
    },
    failed: async (address) => {
      if (address === undefined) return;
      forgetRefilledNowAndThen();
      const taken = await opts.buckets.take(`${BUCKET_PREFIX}${address}`, 1, limits);
      if (taken.allowed) return;
      block(address, taken.retryAfterSeconds);
      throw refusal(taken.retryAfterSeconds);
    },
  };
}
