import { connect } from '@kaygraph/db';
import { createTestDatabase } from '@kaygraph/db/testing';
import { createTaskSystem, type TaskSystem } from '@kaygraph/tasks';
import pino from 'pino';
import { type ApiServer, createApiServer } from '../src/server.ts';
import { catalog } from './fixtures/catalog.ts';

export interface TestServerOptions {
  /** Run a worker in the same process (default true). */
  worker?: boolean;
  bodyLimitBytes?: number;
  maxBatchSize?: number;
  heartbeatMs?: number;
}

export interface TestServer extends AsyncDisposable {
  /** http://127.0.0.1:<port> */
  url: string;
  /** ws://127.0.0.1:<port> */
  wsUrl: string;
  system: TaskSystem;
  server: ApiServer;
  /** Rows in `tasks`: to check that refused input stored nothing. */
  countTasks(): Promise<number>;
}

export const fixtureCatalogModule = new URL('./fixtures/catalog.ts', import.meta.url).href;

/**
 * A real api on an ephemeral port over a fresh migrated database, with a worker running the test
 * catalog. Dispose it: `await using server = await startTestServer()`.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = await createTestDatabase();
  const logger = pino({ level: 'warn' });
  const cleanups: (() => Promise<void>)[] = [
    async () => {
      await database[Symbol.asyncDispose]();
    },
  ];
  const dispose = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  };
  try {
    const system = await createTaskSystem({ databaseUrl: database.url, catalog, logger });
    cleanups.push(() => system.close());
    if (options.worker !== false) {
      await system.startWorker({
        concurrency: 2,
        workflowsModule: fixtureCatalogModule,
        shutdownGraceSeconds: 5,
      });
    }
    const server = await createApiServer({
      tasks: system.tasks,
      catalog,
      ready: () => system.ready(),
      logger,
      port: 0,
      bodyLimitBytes: options.bodyLimitBytes,
      maxBatchSize: options.maxBatchSize,
      heartbeatMs: options.heartbeatMs,
    });
    cleanups.push(() => server.close());
    const stats = connect(database.url, { max: 1 });
    cleanups.push(() => stats.close());
    return {
      url: server.url,
      wsUrl: server.url.replace(/^http/, 'ws'),
      system,
      server,
      countTasks: async () => {
        const [row] = await stats.sql<{ n: number }[]>`select count(*)::int as n from tasks`;
        return row?.n ?? 0;
      },
      [Symbol.asyncDispose]: dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}
