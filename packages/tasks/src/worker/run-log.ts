import type { TaskError } from '@kaygraph/contracts';
import type { Logger } from 'pino';
import type { Attempt } from '../store/claim.ts';
import type { PlannedOutcome } from './planned-outcome.ts';

/**
 * The logger of one run: every line carries the task id, its workflow and the attempt, so one grep on the
 * task id follows it from the api's `task submitted` line to every run of it on any worker.
 */
export function runLogger(workerLogger: Logger, attempt: Attempt): Logger {
  return workerLogger.child({
    task_id: attempt.taskId,
    workflow: attempt.workflow,
    attempt: attempt.attempt,
  });
}

/** A run started on this worker. */
export function logRunStarted(log: Logger, attempt: Attempt): void {
  log.info(attempt.resume ? { resumed: attempt.resume.kind } : {}, 'task started');
}

/**
 * How a run ended, once its outcome was written: completions, waits and hand-backs at info; failed attempts
 * at warn (the task's failure, not the worker's: the dead letters and error rate track them), with the stack
 * only for an error the workflow threw unexpectedly (WORKFLOW_ERROR): the other codes say what happened.
 * `undefined`: nothing was written, the attempt no longer owned its task (a warning).
 */
export function logRunEnded(log: Logger, outcome: PlannedOutcome | undefined, seconds: number): void {
  const ran = { seconds: Math.round(seconds * 1000) / 1000 };
  switch (outcome?.kind) {
    case undefined:
      log.warn(ran, 'task run dropped: no longer owned (its lease lapsed and the task was taken back)');
      return;
    case 'completed':
      log.info(ran, 'task completed');
      return;
    case 'retry':
      log.warn({ ...ran, ...errorFields(outcome.error) }, 'task attempt failed: it will be retried');
      return;
    case 'failed':
      log.warn({ ...ran, ...errorFields(outcome.error) }, 'task failed');
      return;
    case 'suspended':
      log.info({ ...ran, wait: outcome.wait.kind }, 'task waiting');
      return;
    case 'released':
      log.info(ran, 'task released: queued again for another run');
      return;
    case 'abandoned':
      log.info(ran, 'task cancelled while running');
      return;
  }
}

function errorFields(error: TaskError): Record<string, unknown> {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.node_id ? { node_id: error.node_id } : {}),
      ...(error.code === 'WORKFLOW_ERROR' && error.stack ? { stack: error.stack } : {}),
    },
  };
}
