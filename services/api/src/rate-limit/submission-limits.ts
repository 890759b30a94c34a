import { DomainError } from '@kaygraph/contracts';
import type { Caller, OrchestrationService, TaskService } from '@kaygraph/tasks';
import { apiKeyOfCaller } from '../auth/caller-keys.ts';
import { delegate } from './delegate.ts';
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
 * Spends one token per submitted task from the caller's key bucket, or refuses the whole call
 * with RATE_LIMITED (429, Retry-After). A key's own `rate_limit_per_minute` overrides the default
 * (0: this key is not limited).
 * The open (keyless) caller is not limited: there is no key to count against.
 */
export function createSubmissionLimiter(opts: SubmissionLimitOptions) {
  return async (caller: Caller, count: number): Promise<void> => {
    const key = apiKeyOfCaller(caller);
    const perMinute = key?.rateLimitPerMinute ?? opts.perMinute;
    if (!key || perMinute <= 0 || count <= 0) return;
    const taken = await opts.buckets.take(`submit:${key.id}`, count, { perMinute, burst: opts.burst });
    if (taken.allowed) return;
    const what = count === 1 ? 'a submission' : `${count} submissions`;
    throw new DomainError(
      'RATE_LIMITED',
      `rate limit: ${what} exceeds this key's ${perMinute} per minute (burst ${opts.burst}); ` +
        `retry in ${taken.retryAfterSeconds} s`,
      { retryAfterSeconds: taken.retryAfterSeconds },
    );
  };
}

export type SubmissionLimiter = ReturnType<typeof createSubmissionLimiter>;

/** The TaskService with `submit` and `submitMany` rate limited; every other call passes through. */
export function withSubmissionLimits(tasks: TaskService, limit: SubmissionLimiter): TaskService {
  const overrides: Partial<TaskService> = {
    submit: async (caller, input) => {
      await limit(caller, 1);
      return tasks.submit(caller, input);
    },
    submitMany: async (caller, inputs) => {
      await limit(caller, inputs.length);
      return tasks.submitMany(caller, inputs);
    },
  };
  return delegate(tasks, overrides);
}

/** Groups created with tasks submit those tasks: they spend from the same bucket, one token each. */
export function withGroupSubmissionLimits(
  orchestration: OrchestrationService,
  limit: SubmissionLimiter,
): OrchestrationService {
  const groups = delegate(orchestration.groups, {
    create: async (caller, input) => {
      await limit(caller, input.tasks?.length ?? 0);
      return orchestration.groups.create(caller, input);
    },
  });
  return delegate(orchestration, { groups });
}
