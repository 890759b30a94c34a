import { InvalidEnvironmentError, parseEnv, WorkerSettingsEnv } from '@kaygraph/tasks/process';
import { z } from 'zod';
import { WorkerUsageError } from './usage-error.ts';

/**
 * What the worker command reads from the environment, with the names, bounds and defaults of the worker
 * service (one schema); the only module of the package that reads it.
 */
const Env = WorkerSettingsEnv.pick({
  LOG_LEVEL: true,
  TASK_TIMEOUT: true,
  MAX_BATCH_SIZE: true,
  STATEMENT_TIMEOUT_SECONDS: true,
  DATABASE_POOL_SIZE: true,
  QUEUE_POOL_SIZE: true,
  MAX_RESULT_BYTES: true,
}).extend({
  DATABASE_URL: z.string().optional(),
  /** Tasks run at once unless --concurrency says: MAX_WORKERS's bounds and default. */
  KAYGRAPH_WORKER_CONCURRENCY: WorkerSettingsEnv.shape.MAX_WORKERS,
});
export type WorkerCommandEnv = z.infer<typeof Env>;

/** The environment, or a usage error that names every bad variable. */
export function readWorkerCommandEnv(source: NodeJS.ProcessEnv = process.env): WorkerCommandEnv {
  try {
    // Run inside an app's own environment: its variables (a `log_level` of its own) are not ours to refuse.
    return parseEnv(Env, source, { refuseMisspelt: false });
  } catch (error) {
    if (error instanceof InvalidEnvironmentError) throw new WorkerUsageError(error.message);
    throw error;
  }
}

/** `--concurrency` as given on the command line, checked as KAYGRAPH_WORKER_CONCURRENCY is. */
export function concurrencyOption(value: string | number): number {
  const parsed = WorkerSettingsEnv.shape.MAX_WORKERS.safeParse(value);
  if (!parsed.success) {
    throw new WorkerUsageError(`--concurrency: ${parsed.error.issues[0]?.message} (got ${value})`);
  }
  return parsed.data;
}
