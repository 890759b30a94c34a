import { createTaskSystem, logSerializers, resolveWorkflowsModule } from '@kaygraph/tasks';
import {
  exitOnShutdownSignals,
  exitOnStartFailure,
  readableDataDir,
  taskSystemSettings,
  workerSettings,
} from '@kaygraph/tasks/process';
import pino from 'pino';
import { loadWorkerEnv, type WorkerEnv } from './env.ts';

/**
 * `npm run start:worker`: a worker process beside one or more API processes on one database. It registers
 * the workflows of WORKFLOWS_MODULE (each version with its JSON Schemas) and claims only tasks of those
 * versions; every worker competes for jobs through pg-boss; SIGTERM lets running tasks finish (up to
 * SHUTDOWN_GRACE_SECONDS) before the queue and pools close; a second signal puts them back in the queue now.
 */
let env: WorkerEnv;
try {
  env = loadWorkerEnv();
} catch (error) {
  exitOnStartFailure('the worker', error);
}
const logger = pino({ level: env.LOG_LEVEL, serializers: logSerializers });
// Signals are handled before the worker starts taking tasks (it logs `worker started` before its start
// returns). Running tasks get SHUTDOWN_GRACE_SECONDS, then are aborted (and requeued); closing the queue
// and pools after that should take seconds, so a shutdown still going a minute later is stuck.
const shutdown = exitOnShutdownSignals(logger, { deadlineMs: (env.SHUTDOWN_GRACE_SECONDS + 60) * 1000 });
const workflows = await resolveWorkflowsModule(env.WORKFLOWS_MODULE).catch((error: unknown) =>
  exitOnStartFailure('the worker', error),
);
const dataDir = await readableDataDir(env.DATA_DIR, logger).catch((error: unknown) =>
  exitOnStartFailure('the worker', error),
);
const system = await createTaskSystem({
  databaseUrl: env.DATABASE_URL,
  logger,
  ...taskSystemSettings(env),
}).catch((error: unknown) => exitOnStartFailure('the worker', error, env.DATABASE_URL));
const worker = await system
  .startWorker(workerSettings(env, { workflowsModule: workflows.url, dataDir }))
  // Registering and starting open more sessions than connecting did: the database may refuse them now.
  .catch((error: unknown) => exitOnStartFailure('the worker', error, env.DATABASE_URL));
shutdown.started({ steps: [{ name: 'closing the task system', run: () => system.close() }], worker });
