/** What the worker command reads from the environment; the only module of the package that does. */
export interface WorkerCommandEnv {
  databaseUrl: string | undefined;
  concurrency: string | undefined;
  logLevel: string | undefined;
  /** TASK_TIMEOUT, as the api reads it. */
  taskTimeout: string | undefined;
  /** MAX_BATCH_SIZE, as the api reads it. */
  maxBatchSize: string | undefined;
  /** STATEMENT_TIMEOUT_SECONDS, as the api reads it. */
  statementTimeout: string | undefined;
}

export function readWorkerCommandEnv(source: NodeJS.ProcessEnv = process.env): WorkerCommandEnv {
  const set = (name: string) => (source[name] === '' ? undefined : source[name]);
  return {
    databaseUrl: set('DATABASE_URL'),
    concurrency: set('KAYGRAPH_WORKER_CONCURRENCY'),
    logLevel: set('LOG_LEVEL'),
    taskTimeout: set('TASK_TIMEOUT'),
    maxBatchSize: set('MAX_BATCH_SIZE'),
    statementTimeout: set('STATEMENT_TIMEOUT_SECONDS'),
  };
}
