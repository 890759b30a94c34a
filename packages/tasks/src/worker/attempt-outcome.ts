import type { NodeMetric, TaskError } from '@kaygraph/contracts';
import type { ExecutionResult } from './executors.ts';
import type { AttemptOutcome } from './finish-attempts.ts';
import type { ClaimedTask } from './task-store.ts';

/** Why the runtime aborted a run (undefined: it did not). */
export type AbortReason = 'cancel' | 'timeout' | 'shutdown' | 'lost';

/**
 * Turns what the run returned into what happens to the task. `undefined`: nothing to write (the claim was
 * lost to another worker, or the task was cancelled, whose status the cancel already wrote: the job is
 * settled with `abandoned`).
 */
export function decideOutcome(
  claim: ClaimedTask,
  result: ExecutionResult,
  reason: AbortReason | undefined,
): AttemptOutcome | { kind: 'abandoned'; claim: ClaimedTask } | undefined {
  const metrics = result.kind === 'terminated' ? (claim.checkpoint?.metrics ?? []) : result.metrics;
  if (reason === 'lost') return undefined;
  if (reason === 'cancel') return { kind: 'abandoned', claim };
  if (reason === 'shutdown' && result.kind !== 'completed') return { kind: 'released', claim, metrics };
  if (reason === 'timeout' && result.kind !== 'completed') {
    return failure(
      claim,
      { code: 'TIMEOUT', message: `timed out after ${claim.timeoutSeconds}s` },
      true,
      metrics,
    );
  }
  switch (result.kind) {
    case 'completed':
      return { kind: 'completed', claim, result: result.result, artifacts: result.artifacts, metrics };
    case 'failed':
      return failure(claim, result.error, result.retriable, metrics);
    default:
      // Aborted or terminated although we never asked: treat as a crash of this attempt.
      return failure(claim, { code: 'WORKER_LOST', message: 'the run stopped unexpectedly' }, true, metrics);
  }
}

function failure(
  claim: ClaimedTask,
  error: TaskError,
  retriable: boolean,
  metrics: NodeMetric[],
): AttemptOutcome {
  const withAttempt: TaskError = { ...error, attempt: claim.attempt };
  const retriesLeft = claim.job.retryCount < claim.job.retryLimit;
  if (retriable && retriesLeft) return { kind: 'retry', claim, error: withAttempt, metrics };
  return { kind: 'failed', claim, error: withAttempt, metrics, retriable };
}
