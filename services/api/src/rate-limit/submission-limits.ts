import { DomainError } from '@kaygraph/contracts';
import type { CallerKey, Context } from '../context.ts';
import { describeError } from '../errors.ts';
import type { LeasedBuckets, Spent } from './token-lease.ts';

export interface SubmissionLimitOptions {
  /** The shared buckets (createLeasedBuckets on the operations pool). */
  buckets: Pick<LeasedBuckets, 'take'>;
  /** RATE_LIMIT_PER_MINUTE: submissions per minute per key; 0 turns limits off. */
  perMinute: number;
  /** RATE_LIMIT_BURST: submissions a key may make at once. */
  burst: number;
}

/** Submissions spent from a key's bucket; `giveBack` returns those that queued nothing (at most `count`). */
export type SpentSubmissions = Pick<Spent, 'giveBack'> & { count: number };

/**
 * Spends `count` tokens from the key's bucket (shared by every replica through PostgreSQL), or refuses
 * with RATE_LIMITED (429, Retry-After; without it for a batch larger than the burst, which no wait makes
 * fit). A key's own `rate_limit_per_minute` overrides the default (0: this key is not limited) and caps its
 * burst: a key allowed 2 a minute does not make 100 at once. The open (keyless) caller is not limited:
 * there is no key to count against (undefined: nothing spent).
 *
 * Retry-After is the earliest enough tokens can be there: the refill, or sooner when tokens another
 * replica holds in a lease would cover the shortfall (they come back within LEASE_MS of its last trip to
 * the bucket). So it is never more than the real wait plus LEASE_MS (and the rounding up to whole
 * seconds); it can be shorter, when that replica spends what it holds: the retry is then refused again
 * with the rest of the wait.
 */
export function createSubmissionLimiter(opts: SubmissionLimitOptions) {
  return async (
    key: CallerKey | undefined,
    count: number,
    what = 'submission',
  ): Promise<SpentSubmissions | undefined> => {
    const perMinute = key?.rateLimitPerMinute ?? opts.perMinute;
    if (!key || perMinute <= 0 || count <= 0) return undefined;
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
    if (taken.allowed) return { count, giveBack: taken.giveBack };
    const asked = count === 1 ? `a ${what} exceeds` : `${count} ${what}s exceed`;
    throw new DomainError(
      'RATE_LIMITED',
      `rate limit: ${asked} this key's ${perMinute} per minute (burst ${burst}); ` +
        `retry in ${taken.retryAfterSeconds} s`,
      { retryAfterSeconds: taken.retryAfterSeconds },
    );
  };
}

export type SubmissionLimiter = ReturnType<typeof createSubmissionLimiter>;

type LimitedContext = { services: Context['services']; apiKey: CallerKey | undefined };

/** Spends `count` submissions from the key on the context: RATE_LIMITED (429) past its limit. */
export type ChargeSubmissions = (count: number, what?: string) => Promise<void>;

/**
 * A refusal (4xx: invalid params or input, unknown workflow or dependency, conflict, too large, queue
 * full, forbidden) stored nothing, all-or-nothing for batches. A 5xx keeps its tokens: the work may
 * have committed before the failure (a lost connection), and the limit errs towards fewer submissions.
 */
function isRefusal(error: unknown): boolean {
  const { httpStatus } = describeError(error);
  return httpStatus >= 400 && httpStatus < 500;
}

/**
 * What a call spent, and the one place that gives back what it did not queue: everything when the call
 * was refused, the difference when it queued fewer than it paid for (a replay of an idempotency key
 * returns the earlier task and queues nothing, so it costs nothing).
 */
function submissionCharges(ctx: LimitedContext) {
  const spent: SpentSubmissions[] = [];
  let paid = 0;
  const charge: ChargeSubmissions = async (count, what) => {
    const taken = await ctx.services.limits?.(ctx.apiKey, count, what);
    if (!taken) return;
    spent.push(taken);
    paid += taken.count;
  };
  const settle = async (queued: number) => {
    let unqueued = Math.max(0, paid - queued);
    for (const taken of spent.splice(0)) {
      const back = Math.min(unqueued, taken.count);
      unqueued -= back;
      if (back > 0) await taken.giveBack(back);
    }
  };
  return {
    charge,
    /** The call answered: `queued` of what it paid for was queued. */
    queued: (queued: number) => settle(queued),
    /** The call failed: a refusal queued nothing; after any other failure the tokens stay spent. */
    failed: async (error: unknown) => {
      if (isRefusal(error)) await settle(0);
    },
  };
}

/** How many tasks an answer queued, when it can be fewer than the call paid for. */
export type QueuedBy<O> = (output: O) => number;

/** Submit's answer (and a signal's): a replay of an idempotency key queued nothing, changed nothing. */
export const queuedUnlessDeduplicated: QueuedBy<{ deduplicated: boolean }> = (output) =>
  output.deduplicated ? 0 : 1;

/** submitMany and group answers: the tasks that were not replays of an idempotency key. */
export const queuedTasks: QueuedBy<{ tasks: readonly { deduplicated: boolean }[] }> = (output) =>
  output.tasks.filter((task) => !task.deduplicated).length;

/**
 * Runs work that charges submissions itself as it learns how many (redrive all), giving back what it
 * did not queue (see `submissionCharges`).
 */
export async function withSubmissionCharges<T>(
  ctx: LimitedContext,
  work: (charge: ChargeSubmissions) => Promise<T>,
  queuedBy: QueuedBy<T>,
): Promise<T> {
  const charges = submissionCharges(ctx);
  let output: T;
  try {
    output = await work(charges.charge);
  } catch (error) {
    await charges.failed(error);
    throw error;
  }
  await charges.queued(queuedBy(output));
  return output;
}

type MiddlewareResult = { ok: true; data: unknown } | { ok: false; error: unknown };

/**
 * The body of the rate-limit middleware: procedures that queue work (`.use()` after `.input()`, so the
 * count comes from the parsed input, and before `.output()`, so `data` is the parsed output) spend from
 * the key on the context before they run, and get back what they did not queue (see
 * `submissionCharges`). Without `queuedBy`, an answer queued all it paid for.
 *
 * @example
 * .input(SubmitTaskInput)
 * .use(({ ctx, next }) => spendSubmissions(ctx, 1, next, { queuedBy: queuedUnlessDeduplicated }))
 */
export async function spendSubmissions<R extends MiddlewareResult, O = never>(
  ctx: LimitedContext,
  count: number,
  next: () => Promise<R>,
  options: { what?: string; queuedBy?: QueuedBy<O> } = {},
): Promise<R> {
  const charges = submissionCharges(ctx);
  await charges.charge(count, options.what);
  const result = await next();
  if (!result.ok) await charges.failed(result.error);
  else await charges.queued(options.queuedBy ? options.queuedBy(result.data as O) : count);
  return result;
}
