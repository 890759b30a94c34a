import {
  DEFAULT_MAX_BATCH_SIZE,
  DEFAULT_TASK_TIMEOUT_SECONDS,
  MaxBatchSize,
  TimeoutSeconds,
} from '@kaygraph/contracts';
import { z } from 'zod';
import { DEFAULT_POOL_SIZE, DEFAULT_QUEUE_POOL_SIZE } from '../pool-sizes.ts';
import { DEFAULT_STATEMENT_TIMEOUT_SECONDS } from '../statement-timeout.ts';
import type { TaskSystemOptions } from '../system.ts';
import { DEFAULT_MAX_RESULT_BYTES, MAX_RESULT_BYTES_CEILING } from '../worker/result-size.ts';
import type { WorkerOptions } from '../worker/runtime.ts';
import { DEFAULT_DATA_DIR } from './data-dir.ts';

const poolSize = z.coerce.number().int().min(1).max(1000);

/**
 * The settings of a process that runs tasks or takes them: the worker service, and the api (which runs a
 * bundled worker with `--with-worker`). Both services extend this one schema, so a setting's name, bounds
 * and default are written once.
 */
export const WorkerSettingsEnv = z.object({
  MAX_WORKERS: z.coerce.number().int().min(1).max(256).default(4),
  TASK_TIMEOUT: z.coerce.number().pipe(TimeoutSeconds).default(DEFAULT_TASK_TIMEOUT_SECONDS),
  RESULT_TTL: z.coerce.number().int().min(1).default(86_400),
  /**
   * Largest result a task may complete with, in bytes of JSON: a larger one fails the task with
   * RESULT_TOO_LARGE (not retried); large outputs belong in artifacts. Read by workers.
   */
  MAX_RESULT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(
      MAX_RESULT_BYTES_CEILING,
      `at most ${MAX_RESULT_BYTES_CEILING} (32 MiB): PostgreSQL's jsonb can be several times the JSON text ` +
        'and refuses the larger; store larger outputs as artifacts',
    )
    .default(DEFAULT_MAX_RESULT_BYTES),
  MAX_QUEUE_SIZE: z.coerce.number().int().min(1).default(100),
  /**
   * Calls per tRPC HTTP batch, tasks per submitMany or group call, dead letters per redrive call, and child
   * tasks per wait (runChildren); set alike on apis and workers.
   */
  MAX_BATCH_SIZE: z.coerce.number().pipe(MaxBatchSize).default(DEFAULT_MAX_BATCH_SIZE),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).default(30),
  /**
   * `statement_timeout` of the process's database connections: a statement that runs or waits for a lock
   * longer is given up (an api request answers 503, a worker's fetch or write is logged and tried again).
   * 0: none of ours (PostgreSQL's setting applies).
   */
  STATEMENT_TIMEOUT_SECONDS: z.coerce.number().min(0).default(DEFAULT_STATEMENT_TIMEOUT_SECONDS),
  /**
   * Root of the files workflows may read (their `input` paths); the api's embedded database lives under it.
   * Set, it must be there at start (see data-dir.ts).
   */
  DATA_DIR: z.string().min(1).default(DEFAULT_DATA_DIR),
  /**
   * The workflows a worker runs and registers: a module exporting `catalog` (worker threads import it too).
   * The api alone (without `--with-worker`) loads no workflow code.
   */
  WORKFLOWS_MODULE: z.string().min(1).default('@kaygraph/workflows/catalog'),
  /** Memory cap (old space) of each worker thread, in MB (unset: the runtime's default, 512). */
  WORKER_MEMORY_LIMIT_MB: z.coerce.number().int().min(64).optional(),
  /**
   * Pool sizes, so replicas fit PostgreSQL's max_connections (deploy/README.md adds them up): the query
   * pool (`kaygraph-tasks` in pg_stat_activity), pg-boss' own (`kaygraph-pgboss`), and that of each worker
   * thread's workflow services (`kaygraph-workflows`). A pool opens connections as work needs them.
   */
  DATABASE_POOL_SIZE: poolSize.default(DEFAULT_POOL_SIZE),
  QUEUE_POOL_SIZE: poolSize.default(DEFAULT_QUEUE_POOL_SIZE),
  /** Unset: the workflows module's own default (the built-ins': 3). */
  WORKFLOW_POOL_SIZE: poolSize.optional(),
});

export type WorkerSettings = z.infer<typeof WorkerSettingsEnv>;

/** The task system's options that these settings give, alike in the api and the worker service. */
export function taskSystemSettings(
  env: WorkerSettings,
): Pick<
  TaskSystemOptions,
  | 'maxQueueSize'
  | 'maxBatchSize'
  | 'resultTtlSeconds'
  | 'defaultTimeoutSeconds'
  | 'statementTimeoutSeconds'
  | 'poolSize'
  | 'queuePoolSize'
> {
  return {
    maxQueueSize: env.MAX_QUEUE_SIZE,
    maxBatchSize: env.MAX_BATCH_SIZE,
    resultTtlSeconds: env.RESULT_TTL,
    defaultTimeoutSeconds: env.TASK_TIMEOUT,
    statementTimeoutSeconds: env.STATEMENT_TIMEOUT_SECONDS,
    poolSize: env.DATABASE_POOL_SIZE,
    queuePoolSize: env.QUEUE_POOL_SIZE,
  };
}

/**
 * The worker's options that these settings give, for the workflows module at `workflowsModule`; the
 * workflows read their input files under `dataDir`.
 */
export function workerSettings(
  env: WorkerSettings,
  run: { workflowsModule: string; dataDir: string | undefined },
): WorkerOptions {
  return {
    concurrency: env.MAX_WORKERS,
    workflowsModule: run.workflowsModule,
    shutdownGraceSeconds: env.SHUTDOWN_GRACE_SECONDS,
    memoryLimitMb: env.WORKER_MEMORY_LIMIT_MB,
    maxResultBytes: env.MAX_RESULT_BYTES,
    // Each thread's workflow services open a pool of their own.
    servicesOptions: { dataDir: run.dataDir, poolSize: env.WORKFLOW_POOL_SIZE },
  };
}
