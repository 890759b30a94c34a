import type { WorkflowServices } from './types.ts';

export interface CreateServicesOptions {
  databaseUrl: string;
  /** Root of the files workflows may read; absent: no file inputs. */
  dataDir?: unknown;
  /** Connections of the thread's pool (default 3). */
  poolSize?: unknown;
}

export type RunServicesFor = (run: { taskId: string; owner: string }) => WorkflowServices;

/**
 * The workflows module's `createServices` (what the task runtime calls once per worker thread, and
 * once on the main thread for inline workflows): services per run on one small pool. The database
 * driver is loaded and the pool created when a run first uses a store, so a thread whose runs only
 * compute never loads them; idle connections close by themselves, so an idle thread holds none.
 *
 * @example
 * const servicesFor = createServices({ databaseUrl, dataDir: '/srv/data' });
 * await graph.run({}, { params: { services: servicesFor({ taskId, owner }) } });
 */
export function createServices(options: CreateServicesOptions): RunServicesFor {
  let pooled: Promise<RunServicesFor> | undefined;
  const connect = () => {
    // A failed load is not kept: the next run that uses a store tries again.
    pooled ??= import('./postgres.ts')
      .then((postgres) => postgres.pooledServices(options))
      .catch((error: unknown) => {
        pooled = undefined;
        throw error;
      });
    return pooled;
  };
  const dataDir = typeof options.dataDir === 'string' ? options.dataDir : null;
  return (run) => {
    let stores: Promise<WorkflowServices> | undefined;
    const on = () => {
      stores ??= connect().then((servicesFor) => servicesFor(run));
      return stores;
    };
    return {
      owner: run.owner,
      taskId: run.taskId,
      dataDir,
      artifacts: { put: async (...args) => (await on()).artifacts.put(...args) },
      documents: {
        replaceDocument: async (...args) => (await on()).documents.replaceDocument(...args),
        analyze: async () => (await on()).documents.analyze(),
        fullTextStats: async (index) => (await on()).documents.fullTextStats(index),
        search: async (...args) => (await on()).documents.search(...args),
      },
      tasks: { stats: async (window) => (await on()).tasks.stats(window) },
    };
  };
}
