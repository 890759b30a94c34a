import { DomainError } from '@kaygraph/contracts';
import type { CallerKey, Context } from '../context.ts';
import type { LeasedBuckets } from './token-lease.ts';

export interface SubmissionLimitOptions {
  /** The shared buckets (createLeasedBuckets on the operations pool). */
  buckets: Pick<LeasedBuckets, 'take'>;
  /** RATE_LIMIT_PER_MINUTE: submissions per minute per key; 0 turns limits off. */
  perMinute: number;
  /** RATE_LIMIT_BURST: submissions a key may make at once. */
  burst: number;
}

/**
 * Spends `count` tokens from the key's bucket (shared by every replica through PostgreSQL), or refuses
 * with RATE_LIMITED (429, Retry-After; without it for a batch larger than the burst, which no wait makes
 * fit). A key's own `rate_limit_per_minute` overrides the default (0: this key is not limited) and caps its
 * burst: a key allowed 2 a minute does not make 100 at once. The open (keyless) caller is not limited:
 * there is no key to count against.
 */
export function createSubmissionLimiter(opts: SubmissionLimitOptions) {
  return async (key: CallerKey | undefined, count: number, what = 'submission'): Promise<void> => {
    const perMinute = key?.rateLimitPerMinute ?? opts.perMinute;
    if (!key || perMinute <= 0 || count <= 0) return;
    const burst =
      key.rateLimitPerMinute === null ? opts.burst : Math.max(1, Math.min(opts.burst, Math.floor(perMinute)));
    if (count > burst) {
      // More than the bucket holds: no wait makes it fit, so no Retry-After; the batch must be split.
      throw new DomainError(
        'RATE_LIMITED',
        `rate limit: ${count} ${what}s at once exceed this key's burst of ${burst}; send at most ${burst} at a time`,
      );
    }
    const taken = await opts.buckets.take(`submit:${key.id}`, count, { perMinute, burst });
    if (taken.allowed) return;
    const asked = count === 1 ? `a ${what}` : `${count} ${what}s`;
    throw new DomainError(
      'RATE_LIMITED',
      `rate limit: ${asked} exceeds this key's ${perMinute} per minute (burst ${burst}); ` +
        `retry in ${taken.retryAfterSeconds} s`,
      { retryAfterSeconds: taken.retryAfterSeconds },
    );
  };
}

export type SubmissionLimiter = ReturnType<typeof createSubmissionLimiter>;

type LimitedContext = { services: Context['services']; apiKey: CallerKey | undefined };

/** Spends `count` submissions from the key on the context: RATE_LIMITED (429) past its limit. */
export async function chargeSubmissions(ctx: LimitedContext, count: number, what?: string): Promise<void> {
  await ctx.services.limits?.(ctx.apiKey, count, what);
}

/**
 * The body of the rate-limit middleware: procedures that queue work (`.use()` after `.input()`, so the
 * count comes from the parsed input) spend from the key on the context before they run.
 */
export async function spendSubmissions<T>(
  ctx: LimitedContext,
  count: number,
  next: () => Promise<T>,
  what?: string,
): Promise<T> {
  await chargeSubmissions(ctx, count, what);
  return next();
}
