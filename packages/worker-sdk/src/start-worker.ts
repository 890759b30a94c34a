import { MaxBatchSize } from '@kaygraph/contracts';
import { createTaskSystem, resolveWorkflowsModule } from '@kaygraph/tasks';
import {
  explainStartFailure,
  stopNowMessage,
  WorkerSettingsEnv,
  waitForTasksMessage,
} from '@kaygraph/tasks/process';
import pino, { type Logger } from 'pino';
import type { ZodType } from 'zod';
import { workflowsModuleUrl } from './workflows-location.ts';

export interface StartWorkerOptions {
  /** The database of the KayGraph Tasks api this worker serves (the api creates its tables). */
  databaseUrl: string;
  /**
   * Your workflows module, which exports `catalog` (`createCatalog([...])`). Worker threads import it
   * by URL, so pass where it is, not the module itself: `import.meta.resolve('./workflows.ts')`, a
   * `file:` URL or an absolute path.
   */
  workflows: string | URL;
  /** Tasks this process runs at once (default 4). */
  concurrency?: number | undefined;
  /** On close: how long running tasks may finish before they are aborted and requeued (default 30). */
  shutdownGraceSeconds?: number | undefined;
  /** Old-space cap of each worker thread, in MB (default 512); a process `--max-old-space-size` overrides it. */
  memoryLimitMb?: number | undefined;
  /**
   * Timeout (seconds) of the child tasks and schedule firings this worker submits whose workflow gives
   * none: the api's TASK_TIMEOUT, set alike (default 3600).
   */
  defaultTimeoutSeconds?: number | undefined;
  /**
   * Child tasks one waiting node may submit at once (`runChildren`); a wait asking for more fails its task.
   * The api's MAX_BATCH_SIZE, set alike (default 50). Children do not count against MAX_QUEUE_SIZE.
   */
  maxBatchSize?: number | undefined;
  /**
   * `statement_timeout` of the worker's connections, in seconds (default 30): a fetch or write that runs,
   * or waits for a lock, longer is logged and tried again instead of hanging. 0: none of ours.
   */
  statementTimeoutSeconds?: number | undefined;
  /**
   * Connections of the worker's query pool and of pg-boss' pool, at most (DATABASE_POOL_SIZE and
   * QUEUE_POOL_SIZE of the worker service; default 10 each): fit the worker into max_connections.
   */
  poolSize?: number | undefined;
  queuePoolSize?: number | undefined;
  /**
   * Largest result a task may complete with, in bytes of JSON (default 10 MiB, the api's MAX_RESULT_BYTES):
   * a larger one fails the task with RESULT_TOO_LARGE, not retried. Return large outputs as artifacts.
   */
  maxResultBytes?: number | undefined;
  /** Passed with the database URL to your module's `createServices` (JSON-serialisable). */
  servicesOptions?: Record<string, unknown> | undefined;
  /** Where the worker logs (default: pino at `info` on stdout). */
  logger?: Logger | undefined;
}

export interface CloseOptions {
  /** Stop the running tasks at once and put them back in the queue (their retries unspent). */
  now?: boolean | undefined;
  /** Log what happens to the running tasks (default true); false where the caller says it itself. */
  announce?: boolean | undefined;
}

/** A running worker. `close()` stops taking tasks, lets running ones finish, then disconnects. */
export interface Worker extends AsyncDisposable {
  /** This worker's id (the `worker_id` of the tasks it runs). */
  readonly workerId: string;
  /** The names of the workflows it serves. */
  readonly workflows: readonly string[];
  /** Tasks it runs now. */
  readonly active: number;
  /** How long `close()` lets running tasks finish (`shutdownGraceSeconds`, default 30). */
  readonly shutdownGraceSeconds: number;
  /**
   * Stops taking tasks, lets running ones finish within `shutdownGraceSeconds` (then requeues them), and
   * disconnects. With `now: true` (also during a `close()` in progress) running tasks are stopped at once
   * and put back in the queue without spending a retry, for another worker to run.
   */
  close(options?: CloseOptions): Promise<void>;
}

/** A RangeError naming the option when `value` (given) is out of `schema`'s bounds. */
function checkOption(name: string, what: string, schema: ZodType, value: number | undefined): void {
  if (value === undefined) return;
  const checked = schema.safeParse(value);
  if (!checked.success) {
    throw new RangeError(`${name} is ${what}: ${checked.error.issues[0]?.message} (got ${value})`);
  }
}

/**
 * Starts a worker in this process that registers your workflows on the database (so the api
 * accepts and lists them) and runs their tasks, submitted through the api. Tasks run in worker
 * threads (`concurrency` of them), each importing your workflows module.
 *
 * @example
 * const starting = startWorker({
 *   databaseUrl: 'postgres://postgres@127.0.0.1:5432/kaygraph',
 *   workflows: import.meta.resolve('./workflows.ts'),
 *   concurrency: 2,
 * });
 * // Handled from before the start resolves: the worker takes tasks while it starts.
 * let signals = 0;
 * process.on('SIGTERM', () => void starting.then((worker) => worker.close({ now: ++signals > 1 })));
 * await starting;
 */
export async function startWorker(options: StartWorkerOptions): Promise<Worker> {
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(
      `concurrency is the number of tasks run at once, an integer >= 1 (got ${concurrency})`,
    );
  }
  const { maxBatchSize } = options;
  checkOption('maxBatchSize', 'the most child tasks per wait', MaxBatchSize, maxBatchSize);
  // The bounds of the settings the worker service reads from its environment.
  const settings = WorkerSettingsEnv.shape;
  checkOption(
    'maxResultBytes',
    'the largest result, in bytes of JSON',
    settings.MAX_RESULT_BYTES,
    options.maxResultBytes,
  );
  checkOption('poolSize', "the query pool's connections", settings.DATABASE_POOL_SIZE, options.poolSize);
  checkOption(
    'queuePoolSize',
    "pg-boss' pool's connections",
    settings.QUEUE_POOL_SIZE,
    options.queuePoolSize,
  );
  const logger = options.logger ?? pino({ name: 'kaygraph-worker' });
  const workflows = await resolveWorkflowsModule(workflowsModuleUrl(options.workflows));
  const system = await createTaskSystem({
    databaseUrl: options.databaseUrl,
    logger,
    ...(options.defaultTimeoutSeconds === undefined
      ? {}
      : { defaultTimeoutSeconds: options.defaultTimeoutSeconds }),
    ...(maxBatchSize === undefined ? {} : { maxBatchSize }),
    ...(options.statementTimeoutSeconds === undefined
      ? {}
      : { statementTimeoutSeconds: options.statementTimeoutSeconds }),
    ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
    ...(options.queuePoolSize === undefined ? {} : { queuePoolSize: options.queuePoolSize }),
    // The api owns the schema: a worker never migrates the database it joins.
    migrate: false,
  }).catch((error: unknown) => {
    throw explainStartFailure(error, options.databaseUrl);
  });
  try {
    const runtime = await system.startWorker({
      concurrency,
      workflowsModule: workflows.url,
      ...(options.memoryLimitMb === undefined ? {} : { memoryLimitMb: options.memoryLimitMb }),
      ...(options.shutdownGraceSeconds === undefined
        ? {}
        : { shutdownGraceSeconds: options.shutdownGraceSeconds }),
      ...(options.maxResultBytes === undefined ? {} : { maxResultBytes: options.maxResultBytes }),
      ...(options.servicesOptions ? { servicesOptions: options.servicesOptions } : {}),
    });
    // The runtime logged `worker started` (its `worker_id`, the workflows it runs).
    const names = workflows.catalog.list().map((workflow) => workflow.name);
    let closing: Promise<void> | undefined;
    const close = async (closeOptions: CloseOptions = {}) => {
      // Say what happens to the running tasks, as the worker commands do on Ctrl-C.
      const running = closeOptions.announce === false ? 0 : runtime.active;
      if (closeOptions.now && running > 0) {
        logger.warn({ runningTasks: running }, stopNowMessage(running));
      } else if (!closing && running > 0) {
        const grace = runtime.shutdownGraceSeconds;
        const stopNow = 'close({ now: true }) puts them back in the queue at once';
        logger.info(
          { runningTasks: running, graceSeconds: grace },
          waitForTasksMessage(running, grace, stopNow),
        );
      }
      // Stopping now cuts short the worker's stop that a close in progress awaits.
      const now = closeOptions.now ? runtime.stopNow() : undefined;
      closing ??= system.close();
      await Promise.all([now, closing]);
    };
    return {
      workerId: runtime.workerId,
      workflows: names,
      get active() {
        return runtime.active;
      },
      shutdownGraceSeconds: runtime.shutdownGraceSeconds,
      close,
      [Symbol.asyncDispose]: () => close(),
    };
  } catch (error) {
    await system.close();
    throw explainStartFailure(error, options.databaseUrl);
  }
}
