import type { TaskError } from '@kaygraph/contracts';
import type { Logger } from 'pino';
import type { Attempt } from '../store/claim.ts';
import type { PlannedOutcome } from './planned-outcome.ts';

/**
 * The logger of one run: every line carries the task id, its workflow and the attempt, so one grep on the
 * task id follows it from the api's `task submitted` line to every run of it on any worker. It is made for
 * the run's first line: a pino child serializes its bindings when made, and a worker logging at `warn`
 * writes no line for most runs.
 */
export class RunLog {
  readonly #workerLogger: Logger;
  readonly #attempt: Attempt;
  #logger: Logger | undefined;

  constructor(workerLogger: Logger, attempt: Attempt) {
    this.#workerLogger = workerLogger;
    this.#attempt = attempt;
  }

  get logger(): Logger {
    this.#logger ??= this.#workerLogger.child({
      task_id: this.#attempt.taskId,
      workflow: this.#attempt.workflow,
      attempt: this.#attempt.attempt,
    });
    return this.#logger;
  }

  enabled(level: 'info' | 'warn'): boolean {
    return this.#workerLogger.isLevelEnabled(level);
  }
}

/** A run started on this worker. */
export function logRunStarted(log: RunLog, attempt: Attempt): void {
  if (log.enabled('info'))
    log.logger.info(attempt.resume ? { resumed: attempt.resume.kind } : {}, 'task started');
}

/**
 * How a run ended, once its outcome was written: completions, waits and hand-backs at info; failed attempts
 * at warn (the task's failure, not the worker's: the dead letters and error rate track them), with the stack
 * only for an error the workflow threw unexpectedly (WORKFLOW_ERROR): the other codes say what happened.
 * `undefined`: nothing was written, the attempt no longer owned its task (a warning).
 */
export function logRunEnded(log: RunLog, outcome: PlannedOutcome | undefined, seconds: number): void {
  const level = endedLevel(outcome);
  // A level that is off builds no line at all (a worker at LOG_LEVEL=warn, for each completed run).
  if (!log.enabled(level)) return;
  const ran = { seconds: Math.round(seconds * 1000) / 1000 };
  switch (outcome?.kind) {
    case undefined:
      log.logger[level](
        ran,
        'task run dropped: no longer owned (its lease lapsed and the task was taken back)',
      );
      return;
    case 'completed':
      log.logger[level](ran, 'task completed');
      return;
    case 'retry':
      log.logger[level]({ ...ran, ...errorFields(outcome.error) }, 'task attempt failed: it will be retried');
      return;
    case 'failed':
      log.logger[level]({ ...ran, ...errorFields(outcome.error) }, 'task failed');
      return;
    case 'suspended':
      log.logger[level]({ ...ran, wait: outcome.wait.kind }, 'task waiting');
      return;
    case 'released':
      log.logger[level](ran, 'task released: queued again for another run');
      return;
    case 'abandoned':
      log.logger[level](ran, 'task cancelled while running');
      return;
  }
}

/** Failed attempts and dropped runs are warnings; every other end is info. */
function endedLevel(outcome: PlannedOutcome | undefined): 'info' | 'warn' {
  return outcome === undefined || outcome.kind === 'retry' || outcome.kind === 'failed' ? 'warn' : 'info';
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
