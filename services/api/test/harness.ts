import { connect } from '@kaygraph/db';
import { createTestDatabase } from '@kaygraph/db/testing';
import { createTaskSystem, resolveWorkflowsModule, type TaskSystem } from '@kaygraph/tasks';
import pino, { type Logger } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { type ApiOperations, type ApiOperationsOptions, createApiOperations } from '../src/operations.ts';
import { type ApiServer, type ApiServerOptions, createApiServer } from '../src/server.ts';
import type { SubscriptionCapLimits } from '../src/subscriptions/subscription-caps.ts';
import { openKeyStore } from './auth-keys.ts';

/** The api as an operator runs it (`node services/api/src/main.ts`), for tests of whole processes. */
export { type ApiProcess, startApiProcess } from './api-process.ts';

export interface TestServerOptions {
  /** Run a worker in the same process (default true). */
  worker?: boolean;
  /**
   * Without a worker, register the workflows module ahead of one (default true), so submits are
   * accepted; false: nothing is registered until a worker starts.
   */
  publish?: boolean;
  bodyLimitBytes?: number;
  maxBatchSize?: number;
  heartbeatMs?: number;
  /** Use this (already migrated) database instead of a fresh one, e.g. for a second replica. */
  databaseUrl?: string;
  /**
   * The workflows module the worker runs and registers (as WORKFLOWS_MODULE: a package specifier or a
   * path); default: the small test catalog in fixtures/catalog.ts. The api itself loads no workflow code;
   * without a worker the module's workflows are published, so submits are accepted all the same.
   */
  workflowsModule?: string;
  /** Stacks in tRPC error shapes (what NODE_ENV=development turns on). */
  errorStacks?: boolean;
  /** MAX_SCHEDULES_PER_OWNER (default: no cap). */
  maxSchedulesPerOwner?: number;
  /** MAX_QUEUE_SIZE (default 100). */
  maxQueueSize?: number;
  /** MAX_RESULT_BYTES of the worker (default 10 MiB). */
  maxResultBytes?: number;
  /** Subscriptions per tRPC WebSocket and per key (default 100 and 1,000). */
  subscriptionCaps?: SubscriptionCapLimits;
  /** CORS_ORIGINS (default none). */
  corsOrigins?: readonly string[];
  /** Where the api, its operations and the task system log (default: pino at warn, to stdout). */
  logger?: Logger;
  /** Wire API keys, rate limits, logging and metrics in as start.ts does (createApiOperations). */
  operations?: Omit<ApiOperationsOptions, 'databaseUrl' | 'logger' | 'feed'>;
}

export interface TestServer extends AsyncDisposable {
  /** http://127.0.0.1:<port> */
  url: string;
  /** ws://127.0.0.1:<port> */
  wsUrl: string;
  system: TaskSystem;
  server: ApiServer;
  /** The database this server runs on. */
  databaseUrl: string;
  /** Set when started with `operations`. */
  operations: ApiOperations | undefined;
  /** Rows in `tasks`: to check that refused input stored nothing. */
  countTasks(): Promise<number>;
  /**
   * Restarts the api as an operator's restart does: closes its server (streams are told to reconnect),
   * then listens again on the same port over the same task system; `server` is the new one.
   */
  restart(): Promise<void>;
}

export const fixtureCatalogModule = new URL('./fixtures/catalog.ts', import.meta.url).href;

/**
 * A real api on an ephemeral port over a fresh migrated database, with a worker running the test
 * catalog. Dispose it: `await using server = await startTestServer()`.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = options.databaseUrl ? undefined : await createTestDatabase();
  const databaseUrl = options.databaseUrl ?? database?.url ?? '';
  const logger = options.logger ?? pino({ level: 'warn' });
  const cleanups: (() => Promise<void>)[] = [
    async () => {
      await database?.[Symbol.asyncDispose]();
    },
  ];
  const dispose = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  };
  try {
    const workflows = await resolveWorkflowsModule(options.workflowsModule ?? fixtureCatalogModule);
    const system = await createTaskSystem({
      databaseUrl,
      logger,
      maxSchedulesPerOwner: options.maxSchedulesPerOwner,
      ...(options.maxBatchSize === undefined ? {} : { maxBatchSize: options.maxBatchSize }),
      ...(options.maxQueueSize === undefined ? {} : { maxQueueSize: options.maxQueueSize }),
    });
    cleanups.push(() => system.close());
    if (options.worker !== false) {
      await system.startWorker({
        concurrency: 2,
        workflowsModule: workflows.url,
        shutdownGraceSeconds: 5,
        ...(options.maxResultBytes === undefined ? {} : { maxResultBytes: options.maxResultBytes }),
      });
    } else if (options.publish !== false) {
      await system.publishWorkflows(workflows.catalog);
    }
    const operations = options.operations
      ? createApiOperations({
          ...options.operations,
          databaseUrl,
          logger,
          feed: system.events,
          workflowNames: () => system.workflows.names(),
        })
      : undefined;
    if (operations) cleanups.push(() => operations.close());
    await operations?.listening();
    const serverOptions: ApiServerOptions = {
      tasks: system.tasks,
      workflows: system.workflows,
      orchestration: system.orchestration,
      ready: () => system.ready(),
      logger,
      port: 0,
      bodyLimitBytes: options.bodyLimitBytes,
      maxBatchSize: options.maxBatchSize,
      heartbeatMs: options.heartbeatMs,
      errorStacks: options.errorStacks,
      subscriptionCaps: options.subscriptionCaps,
      corsOrigins: options.corsOrigins,
      ...operations?.serverOptions(system.tasks, system.orchestration),
    };
    const server = await createApiServer(serverOptions);
    const testServer: TestServer = {
      url: server.url,
      wsUrl: server.url.replace(/^http/, 'ws'),
      system,
      server,
      databaseUrl,
      operations,
      countTasks: async () => {
        const [row] = await stats.sql<{ n: number }[]>`select count(*)::int as n from tasks`;
        return row?.n ?? 0;
      },
      restart: async () => {
        await testServer.server.close();
        testServer.server = await createApiServer({ ...serverOptions, port: testServer.server.port });
      },
      [Symbol.asyncDispose]: dispose,
    };
    cleanups.push(() => testServer.server.close());
    const stats = connect(databaseUrl, { max: 1 });
    cleanups.push(() => stats.close());
    return testServer;
  } catch (error) {
    await dispose();
    throw error;
  }
}

/**
 * Starts a server before the file's tests and disposes it after: `const server = useTestServer()`, then
 * `server.url` inside a test (or a later hook), as with the server `startTestServer` returns.
 */
export function useTestServer(options: TestServerOptions = {}): TestServer {
  let started: TestServer | undefined;
  beforeAll(async () => {
    started = await startTestServer(options);
  });
  afterAll(async () => {
    await started?.[Symbol.asyncDispose]();
  });
  // Every field is read from the started server when used: the file declares it before it starts.
  return new Proxy({} as TestServer, {
    get(_, field) {
      if (!started) throw new Error('the server starts in beforeAll: use it inside a test or a later hook');
      return Reflect.get(started, field);
    },
  });
}

/** A test file's server and three keys on it: alice's, bob's and an admin's (`operator`). */
export interface ServerWithKeys {
  readonly server: TestServer;
  readonly alice: string;
  readonly bob: string;
  readonly admin: string;
}

/**
 * A server (`useTestServer`) and its keys, made before the file's tests:
 * `const api = useServerWithKeys({ operations: { authCacheMs: 100 } })`, then `api.server`, `api.alice`.
 */
export function useServerWithKeys(options: TestServerOptions): ServerWithKeys {
  const server = useTestServer(options);
  let keys: Omit<ServerWithKeys, 'server'> | undefined;
  beforeAll(async () => {
    await using store = openKeyStore(server.databaseUrl);
    const alice = (await store.create('alice')).key;
    const bob = (await store.create('bob')).key;
    const admin = (await store.create('operator', { admin: true })).key;
    keys = { alice, bob, admin };
  });
  const created = () => {
    if (!keys) throw new Error('the keys are made in beforeAll: use them inside a test or a later hook');
    return keys;
  };
  return {
    server,
    get alice() {
      return created().alice;
    },
    get bob() {
      return created().bob;
    },
    get admin() {
      return created().admin;
    },
  };
}
