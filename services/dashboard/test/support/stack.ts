import { createApiOperations, createApiServer, DASHBOARD_PAGE, dashboardRoute } from '@kaygraph/api';
import { createTestDatabase, openDatabaseDoor } from '@kaygraph/db/testing';
import { createTaskSystem, type TaskSystemOptions, type WorkflowCatalog } from '@kaygraph/tasks';
import pino from 'pino';
import { catalog } from '../fixtures/catalog.ts';

export interface Stack extends AsyncDisposable {
  /** http://127.0.0.1:<port>; the dashboard is at `${url}/dashboard/`. */
  url: string;
  /** The stack's own database, for a test that must set up what no api call makes (a task of 3 minutes). */
  databaseUrl: string;
  /** Closes the api (streams are told to reconnect) and starts a new one on the same port. */
  restartApi(): Promise<void>;
  /** Stops the stack's worker (its tasks stay queued); nothing when it was started without one. */
  stopWorker(): Promise<void>;
  /** Registers workflows as the worker of a newer build does: an upgrade makes their versions current. */
  publishWorkflows(catalog: WorkflowCatalog): Promise<void>;
  /** Cuts the stack from its database and gives it back (only with `databaseDoor`). */
  database: { shut(): void; open(): void };
}

export interface StackOptions {
  authRequired?: boolean;
  worker?: boolean;
  /** MAX_QUEUE_SIZE and MAX_BATCH_SIZE, for tests of many tasks or of batches cut short. */
  limits?: Pick<TaskSystemOptions, 'maxQueueSize' | 'maxBatchSize'>;
  /** Reach the database through a TCP door (`stack.database`), to take it away as an outage does. */
  databaseDoor?: boolean;
}

const catalogModule = new URL('../fixtures/catalog.ts', import.meta.url).href;

/**
 * What a user runs, on a fresh database: the task system, a worker and the api serving the built
 * dashboard. Dispose it: `await using stack = await startStack()`.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
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
    const door = options.databaseDoor ? await openDatabaseDoor(database.url) : null;
    if (door)
      cleanups.push(async () => {
        await door[Symbol.asyncDispose]();
      });
    const databaseUrl = door?.url ?? database.url;
    const system = await createTaskSystem({ databaseUrl, logger, ...options.limits });
    cleanups.push(() => system.close());
    let worker: { stop(): Promise<void> } | undefined;
    if (options.worker !== false) {
      worker = await system.startWorker({
        concurrency: 4,
        workflowsModule: catalogModule,
        shutdownGraceSeconds: 2,
      });
    } else {
      await system.publishWorkflows(catalog);
    }
    // Metrics, API keys and request logs wired in as main.ts does (open unless auth is required).
    const operations = createApiOperations({
      databaseUrl,
      logger,
      feed: system.events,
      authRequired: options.authRequired ?? false,
    });
    cleanups.push(() => operations.close());
    const serverOptions = operations.serverOptions(system.tasks);
    const listen = (port: number) =>
      createApiServer({
        ...serverOptions,
        workflows: system.workflows,
        orchestration: system.orchestration,
        ready: () => system.ready(),
        logger,
        host: '127.0.0.1',
        port,
        extraRoutes: [...serverOptions.extraRoutes, dashboardRoute()],
        dashboardLink: DASHBOARD_PAGE,
      });
    let server = await listen(0);
    cleanups.push(() => server.close());
    return {
      url: server.url,
      databaseUrl: database.url,
      async restartApi() {
        const { port } = server;
        await server.close();
        server = await listen(port);
      },
      stopWorker: async () => {
        await worker?.stop();
      },
      publishWorkflows: (upgraded) => system.publishWorkflows(upgraded),
      database: {
        shut: () => (door ?? noDoor()).shut(),
        open: () => (door ?? noDoor()).open(),
      },
      [Symbol.asyncDispose]: dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}

function noDoor(): never {
  throw new Error('startStack({ databaseDoor: true }) puts a door before the database');
}
