import {
  DEFAULT_MAX_BATCH_SIZE,
  DEFAULT_TASK_TIMEOUT_SECONDS,
  MAX_TASKS_PER_BATCH,
  TimeoutSeconds,
} from '@kaygraph/contracts';
import { DEFAULT_STATEMENT_TIMEOUT_SECONDS } from '@kaygraph/tasks';
import { parseEnv } from '@kaygraph/tasks/process';
import { z } from 'zod';

/** The worker's configuration; the only module of the worker that reads `process.env`. */
const Env = z.object({
  /** The database the API uses; the worker scales out beside it. */
  DATABASE_URL: z.url({ error: 'DATABASE_URL must be set: a standalone worker joins an existing database' }),
  MAX_WORKERS: z.coerce.number().int().min(1).max(256).default(4),
  TASK_TIMEOUT: z.coerce.number().pipe(TimeoutSeconds).default(DEFAULT_TASK_TIMEOUT_SECONDS),
  RESULT_TTL: z.coerce.number().int().min(1).default(86_400),
  MAX_QUEUE_SIZE: z.coerce.number().int().min(1).default(100),
  /** Child tasks one waiting node may submit at once (runChildren); the api's MAX_BATCH_SIZE, set alike. */
  MAX_BATCH_SIZE: z.coerce
    .number()
    .int()
    .min(1)
    .max(
      MAX_TASKS_PER_BATCH,
      `at most ${MAX_TASKS_PER_BATCH}, as on the api (the most tasks one call may carry)`,
    )
    .default(DEFAULT_MAX_BATCH_SIZE),
  /** Memory cap (old space) of each worker thread, in MB (unset: the runtime's default, 512). */
  WORKER_MEMORY_LIMIT_MB: z.coerce.number().int().min(64).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).default(30),
  /**
   * `statement_timeout` of the worker's database connections: a fetch or write that runs or waits for a lock
   * longer is logged and tried again. 0: none of ours (PostgreSQL's setting applies).
   */
  STATEMENT_TIMEOUT_SECONDS: z.coerce.number().min(0).default(DEFAULT_STATEMENT_TIMEOUT_SECONDS),
  WORKFLOWS_MODULE: z.string().min(1).default('@kaygraph/workflows/catalog'),
  /** Root of the files workflows may read (their `input` paths). */
  DATA_DIR: z.string().min(1).default('.data'),
});
export type WorkerEnv = z.infer<typeof Env>;

/** Parses the environment, or throws an error that names every bad variable. */
export function loadWorkerEnv(source: NodeJS.ProcessEnv = process.env): WorkerEnv {
  return parseEnv(Env, source);
}
