import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exitOnShutdownSignals } from '@kaygraph/tasks/process';
import pino from 'pino';
import { type StartWorkerOptions, startWorker } from '../start-worker.ts';
import { concurrencyOption, readWorkerCommandEnv } from './env.ts';
import type { WorkerCommandOptions } from './run-worker.ts';
import { WorkerUsageError } from './usage-error.ts';

/** On the command line a relative path is relative to the working directory. */
function moduleUrl(workflows: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(workflows) && !isAbsolute(workflows)
    ? workflows
    : pathToFileURL(resolve(workflows)).href;
}

/**
 * `kaygraph-worker ./workflows.ts` (and `kaygraph worker`): starts a worker for the module's catalog and
 * runs until SIGTERM or SIGINT, then closes it gracefully and exits 0. A second signal stops the running
 * tasks, puts them back in the queue and exits 1 (the services' shutdown sequence).
 */
export async function runWorkerCommand(options: WorkerCommandOptions): Promise<void> {
  const env = readWorkerCommandEnv();
  const databaseUrl = options.databaseUrl ?? env.DATABASE_URL;
  if (!databaseUrl) throw new WorkerUsageError('set DATABASE_URL (or --database-url): the api database');
  const logger = pino({ name: 'kaygraph-worker', level: env.LOG_LEVEL });
  const workerOptions: StartWorkerOptions = {
    databaseUrl,
    workflows: moduleUrl(options.workflows),
    concurrency:
      options.concurrency === undefined
        ? env.KAYGRAPH_WORKER_CONCURRENCY
        : concurrencyOption(options.concurrency),
    defaultTimeoutSeconds: env.TASK_TIMEOUT,
    maxBatchSize: env.MAX_BATCH_SIZE,
    statementTimeoutSeconds: env.STATEMENT_TIMEOUT_SECONDS,
    poolSize: env.DATABASE_POOL_SIZE,
    queuePoolSize: env.QUEUE_POOL_SIZE,
    maxResultBytes: env.MAX_RESULT_BYTES,
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
