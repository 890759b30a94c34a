import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TimeoutSeconds } from '@kaygraph/contracts';
import { exitOnShutdownSignals } from '@kaygraph/tasks/process';
import pino from 'pino';
import { type StartWorkerOptions, startWorker } from '../start-worker.ts';
import { readWorkerCommandEnv } from './env.ts';
import type { WorkerCommandOptions } from './run-worker.ts';
import { WorkerUsageError } from './usage-error.ts';

/** On the command line a relative path is relative to the working directory. */
function moduleUrl(workflows: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(workflows) && !isAbsolute(workflows)
    ? workflows
    : pathToFileURL(resolve(workflows)).href;
}

function taskTimeoutOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = TimeoutSeconds.safeParse(Number(value));
  if (!seconds.success) {
    const { minValue, maxValue } = TimeoutSeconds;
    throw new WorkerUsageError(
      `TASK_TIMEOUT must be a whole number of seconds from ${minValue} to ${maxValue} (got ${value})`,
    );
  }
  return seconds.data;
}

function maxBatchSizeOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const size = Number(value);
  if (!Number.isInteger(size) || size < 1) {
    throw new WorkerUsageError(`MAX_BATCH_SIZE must be a whole number of tasks, 1 or more (got ${value})`);
  }
  return size;
}

function statementTimeoutOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new WorkerUsageError(
      `STATEMENT_TIMEOUT_SECONDS must be a number of seconds, 0 (none) or more (got ${value})`,
    );
  }
  return seconds;
}

function concurrencyOf(value: number | string | undefined): number {
  const concurrency = Number(value ?? 4);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw new WorkerUsageError(`concurrency must be an integer from 1 to 256 (got ${value})`);
  }
  return concurrency;
}

/**
 * `kaygraph-worker ./workflows.ts` (and `kaygraph worker`): starts a worker for the module's catalog and
 * runs until SIGTERM or SIGINT, then closes it gracefully and exits 0. A second signal stops the running
 * tasks, puts them back in the queue and exits 1 (the services' shutdown sequence).
 */
export async function runWorkerCommand(options: WorkerCommandOptions): Promise<void> {
  const env = readWorkerCommandEnv();
  const databaseUrl = options.databaseUrl ?? env.databaseUrl;
  if (!databaseUrl) throw new WorkerUsageError('set DATABASE_URL (or --database-url): the api database');
  const logger = pino({ name: 'kaygraph-worker', level: env.logLevel ?? 'info' });
  const workerOptions: StartWorkerOptions = {
    databaseUrl,
    workflows: moduleUrl(options.workflows),
    concurrency: concurrencyOf(options.concurrency ?? env.concurrency),
    defaultTimeoutSeconds: taskTimeoutOf(env.taskTimeout),
    maxBatchSize: maxBatchSizeOf(env.maxBatchSize),
    statementTimeoutSeconds: statementTimeoutOf(env.statementTimeout),
    logger,
  };
  // Signals are handled before the worker logs `worker started`: one that comes while it starts closes it
  // once started.
  const shutdown = exitOnShutdownSignals(logger);
  const worker = await startWorker(workerOptions);
  // The shutdown sequence says what happens to the running tasks: the worker need not say it again.
  shutdown.started({
    steps: [{ name: 'closing the worker', run: () => worker.close({ announce: false }) }],
    worker: {
      get active() {
        return worker.active;
      },
      shutdownGraceSeconds: worker.shutdownGraceSeconds,
      stopNow: () => worker.close({ now: true, announce: false }),
    },
  });
  // The shutdown sequence ends the process; until then the command runs (`kaygraph worker` exits when it returns).
  await new Promise<never>(() => undefined);
}
