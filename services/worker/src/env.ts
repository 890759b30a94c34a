import { parseEnv, postgresUrl, WorkerSettingsEnv } from '@kaygraph/tasks/process';
import type { z } from 'zod';

/** The worker's configuration; the only module of the worker that reads `process.env`. */
const Env = WorkerSettingsEnv.extend({
  /** The database the API uses; the worker scales out beside it. */
  DATABASE_URL: postgresUrl('DATABASE_URL must be set: a standalone worker joins an existing database'),
});
export type WorkerEnv = z.infer<typeof Env>;

/** Parses the environment, or throws an error that names every bad variable. */
export function loadWorkerEnv(source: NodeJS.ProcessEnv = process.env): WorkerEnv {
  return parseEnv(Env, source);
}
