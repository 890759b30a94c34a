import type { TaskError } from '@kaygraph/contracts';
import type { RunMetrics } from '@kaygraph/graph';
import type { StoredCheckpoint } from '../attempt-data.ts';
import type { Attempt } from '../store/claim.ts';
import type { AttemptOutcome } from '../store/finish.ts';
import { retriesLeft } from '../store/jobs.ts';
import { laterMetrics, metricsOfCheckpoint, taskMetricsLog } from '../task-metrics.ts';
import type { ExecutionResult } from './executors.ts';
import type { SuspendedRun } from './plan-wait.ts';
import type { PlannedOutcome } from './planned-outcome.ts';
import { resultTooLarge } from './result-size.ts';

/**
 * Why the runtime aborted a run (undefined: it did not). `disconnected`: a checkpoint could not be stored
 * because a stop gave up on an unreachable database (released like a shutdown, never a failure).
 */
export type AbortReason = 'cancel' | 'timeout' | 'shutdown' | 'lost' | 'disconnected';

/**
 * Turns what the run returned into what happens to the task. `undefined`: nothing to write (the attempt
 * lost its task to another claim). A cancelled task's status was written by the cancel: its job is
 * settled with `abandoned`. `checkpoint` is the attempt's last saved one: the metrics of a run that was
 * terminated or whose thread died.
 * A run that suspended becomes what `planWait` makes of its wait. A result over `maxResultBytes` fails the
 * task (RESULT_TOO_LARGE, not retried) before anything of it is written: this is the one place results are
 * held to MAX_RESULT_BYTES. `abortedIn`: the node the run was in when it was aborted (a timeout names it).
 */
export async function decideOutcome(
  attempt: Attempt,
  result: ExecutionResult,
  reason: AbortReason | undefined,
  abortedIn: string | null,
  checkpoint: StoredCheckpoint | null,
  planWait: (run: SuspendedRun) => Promise<PlannedOutcome>,
  maxResultBytes: number,
): Promise<PlannedOutcome | undefined> {
  const metrics = (result.kind === 'terminated' ? null : result.metrics) ?? savedMetrics(attempt, checkpoint);
  if (reason === 'lost') return undefined;
  if (reason === 'cancel') return { kind: 'abandoned', attempt };
  // A run that reached its wait is stored as waiting, whatever asked it to stop meanwhile.
  if (result.kind === 'suspended') return planWait(result);
  if ((reason === 'shutdown' || reason === 'disconnected') && result.kind !== 'completed') {
    return { kind: 'released', attempt, metrics };
  }
  if (reason === 'timeout' && result.kind !== 'completed') {
    const inNode = abortedIn === null ? '' : ` in node "${abortedIn}"`;
    return failure(
      attempt,
      { code: 'TIMEOUT', message: `timed out after ${attempt.timeoutSeconds}s${inNode}`, node_id: abortedIn },
      true,
      metrics,
    );
  }
  switch (result.kind) {
    case 'completed': {
      const tooLarge = resultTooLarge(result.resultBytes, maxResultBytes);
      if (tooLarge) return failure(attempt, tooLarge, false, metrics);
      return { kind: 'completed', attempt, result: result.result, artifacts: result.artifacts, metrics };
    }
    case 'failed':
      return failure(attempt, result.error, result.retriable, metrics);
    default:
      // Aborted or terminated although we never asked: treat as a crash of this attempt.
      return failure(
        attempt,
        { code: 'WORKER_LOST', message: 'the run stopped unexpectedly' },
        true,
        metrics,
      );
  }
}

/** A failed attempt: retried while it is retriable and has retries left, else failed. */
export function failure(
  attempt: Attempt,
  error: TaskError,
  retriable: boolean,
  metrics: RunMetrics,
): AttemptOutcome {
  const withAttempt: TaskError = { ...error, attempt: attempt.attempt };
  if (retriable && retriesLeft(attempt.job)) return { kind: 'retry', attempt, error: withAttempt, metrics };
  return { kind: 'failed', attempt, error: withAttempt, metrics, retriable };
}

/** What a run that could not say its metrics leaves: the later of its claim's and its last checkpoint's. */
function savedMetrics(attempt: Attempt, checkpoint: StoredCheckpoint | null): RunMetrics {
  return taskMetricsLog(laterMetrics(attempt.metrics, metricsOfCheckpoint(checkpoint))).snapshot();
}
