import { unsupportedNode } from './node-version.ts';

export { WorkerUsageError } from './usage-error.ts';

export interface WorkerCommandOptions {
  /** Path of the workflows module (relative to the working directory) or its URL. */
  workflows: string;
  /** Default: DATABASE_URL. */
  databaseUrl?: string;
  /** Default: KAYGRAPH_WORKER_CONCURRENCY, else 4. */
  concurrency?: number | string;
}

/**
 * `kaygraph-worker ./workflows.ts` (and `kaygraph worker`): starts a worker for the module's catalog and
 * runs until SIGTERM or SIGINT (see worker-command.ts). This entry loads on any Node, so an older one is
 * told what the worker needs instead of failing to link the modules that need more.
 */
export async function runWorkerCommand(options: WorkerCommandOptions): Promise<void> {
  const tooOld = unsupportedNode(process.versions.node);
  if (tooOld) throw new Error(tooOld);
  // The worker's modules and the workflows module load after this: threads then load them compiled.
  const { useCompileCache } = await import('@kaygraph/tasks/process');
  useCompileCache();
  const command = await import('./worker-command.ts');
  await command.runWorkerCommand(options);
}
