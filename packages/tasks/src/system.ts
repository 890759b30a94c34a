import {
  DEFAULT_MAX_BATCH_SIZE,
  DEFAULT_TASK_TIMEOUT_SECONDS,
  type Readiness,
  UNREACHABLE_READINESS,
} from '@kaygraph/contracts';
import { connect, migrate, migrationsApplied } from '@kaygraph/db';
import type { Logger } from 'pino';
import type { WorkflowCatalog } from './catalog.ts';
import type { TaskContext } from './context.ts';
import { DatabaseHealth } from './database-health.ts';
import { EventBus } from './events/event-bus.ts';
import { TaskHistoryReader } from './events/task-history.ts';
import { withoutQueryParams } from './log-serializers.ts';
import { type CleanupReport, startCleaner } from './maintenance/cleaner.ts';
import { startLivenessMonitor } from './maintenance/liveness-monitor.ts';
import { createOrchestration, type OrchestrationService } from './orchestration/orchestration-service.ts';
import { withScheduleFiring } from './orchestration/worker-schedules.ts';
import { DEFAULT_POOL_SIZE, DEFAULT_QUEUE_POOL_SIZE } from './pool-sizes.ts';
import { WorkflowRegistry } from './registry/workflow-registry.ts';
import { versionRecordOf } from './registry/workflow-version.ts';
import { SchemaMissingError } from './schema-missing.ts';
import { createTaskService, type TaskService } from './service/task-service.ts';
import { statementTimeoutMs } from './statement-timeout.ts';
import { JobQueue } from './store/boss.ts';
import { DEFAULT_QUEUE_TUNING, type QueueTuning } from './store/jobs.ts';
import { databaseAnswers, schemaPresent } from './store/read.ts';
import { startWorkerRuntime, type WorkerOptions, type WorkerRuntime } from './worker/runtime.ts';

export interface TaskSystemOptions {
  databaseUrl: string;
  logger: Logger;
  /** Unfinished tasks per owner (default 100). */
  maxQueueSize?: number;
  /** Seconds results and events of finished tasks are kept (default 86400). */
  resultTtlSeconds?: number;
  /** Timeout of tasks whose submit and workflow give none (TASK_TIMEOUT; default 3600). */
  defaultTimeoutSeconds?: number;
  /** Apply the drizzle migrations at start (default true; under an advisory lock). */
  migrate?: boolean;
  /** Seconds between pg-boss supervise passes, which retry expired jobs (default 5). */
  superviseIntervalSeconds?: number;
  /** Seconds between result-TTL cleaner passes (default 60). */
  cleanupIntervalSeconds?: number;
  /** Milliseconds between liveness passes that take back tasks of dead workers (default 1000). */
  livenessIntervalMs?: number;
  /** Pool size of our postgres.js client (DATABASE_POOL_SIZE; default DEFAULT_POOL_SIZE, 10). */
  poolSize?: number;
  /** Pool size of pg-boss' own client (QUEUE_POOL_SIZE; default DEFAULT_QUEUE_POOL_SIZE, 10). */
  queuePoolSize?: number;
  /**
   * `statement_timeout` of the system's connections, in seconds (STATEMENT_TIMEOUT_SECONDS; default 30): a
   * statement that runs, or waits for a lock, longer is cancelled, so a request answers 503 and a worker's
   * fetch or write is tried again instead of hanging. 0: none of ours (PostgreSQL's own setting applies).
   * Not applied to migrations, the concurrency gate's lock session, pg-boss' own pool (its maintenance) or
   * the result cleaner's transactions (a cancelled batch would be the same batch on every pass).
   */
  statementTimeoutSeconds?: number;
  tuning?: Partial<QueueTuning>;
  /** Most seconds between schedule firing passes of a worker (default 10; passes also run as each minute starts). */
  scheduleCheckIntervalSeconds?: number;
  /**
   * MAX_BATCH_SIZE (default 50, DEFAULT_MAX_BATCH_SIZE): tasks one submitMany or group call may carry, dead
   * letters one redrive takes, and child tasks one wait of this system's workers may submit.
   */
  maxBatchSize?: number;
  /** Schedules one owner may have (MAX_SCHEDULES_PER_OWNER; default: no cap). */
  maxSchedulesPerOwner?: number;
}

export interface TaskSystem extends AsyncDisposable {
  tasks: TaskService;
  events: EventBus;
  /** Groups, cron schedules and the dead-letter queue. */
  orchestration: OrchestrationService;
  /** For the worker runtime and the orchestration layer: the shared database, job queue and settings. */
  context: TaskContext;
  /** The workflows workers registered (what submits are validated against and `workflows.list` shows). */
  workflows: WorkflowRegistry;
  /**
   * Starts a worker runtime in this process: it registers the workflows of its module (each version with
   * its JSON Schemas) and claims only tasks of those versions. `close()` stops it (gracefully) before the
   * queue.
   */
  startWorker(options: WorkerOptions): Promise<WorkerRuntime>;
  /**
   * Registers a catalog's workflow versions ahead of their workers (a deploy step): submits are accepted
   * and wait in the versions' queues until a worker that runs them starts.
   */
  publishWorkflows(catalog: WorkflowCatalog): Promise<void>;
  /** One pass of the result-TTL cleaner (it also runs periodically, once per cluster). */
  cleanExpired(): Promise<CleanupReport>;
  /**
   * One liveness pass: running tasks of workers silent past the lease (or stopped) are retried, or fail
   * with WORKER_LOST. It also runs every second in every process (one pass per cluster at a time).
   */
  reapDeadWorkers(): Promise<number>;
  /** Whether the database answers and has every migration (`migrations` null when it cannot be asked). */
  ready(): Promise<Readiness>;
  close(): Promise<void>;
}

/**
 * Connects, migrates (advisory lock), starts pg-boss and LISTENs. It needs no workflow code: submits are
 * validated against what workers registered; `startWorker` runs (and registers) a workflows module.
 *
 * @example
 * await using system = await createTaskSystem({ databaseUrl, logger });
 * await system.startWorker({ concurrency: 4, workflowsModule: '@kaygraph/workflows/catalog' });
 * const { task_id } = await system.tasks.submit({ owner: 'me', admin: false }, { workflow: 'demo', params: {}, priority: 'normal' });
 */
export async function createTaskSystem(options: TaskSystemOptions): Promise<TaskSystem> {
  // A failed query's parameter values (params, results) never reach the log, whoever made the logger.
  const logger = withoutQueryParams(options.logger);
  const timeoutMs = statementTimeoutMs(options.statementTimeoutSeconds);
  if (options.migrate !== false) {
    const started = Date.now();
    let applying = 0;
    await migrate(options.databaseUrl, {
      // Another replica or the migrate Job applies a release's migrations: this start waits for it.
      onWaitForOtherMigration: () =>
        logger.info(
          'another process is applying database migrations; waiting for it to finish before starting',
        ),
      onApplying: (count) => {
        applying = count;
        logger.info({ migrations: count }, 'applying database migrations');
      },
      onLockTimeout: (tries) =>
        logger.warn({ tries }, 'migration waits for a table lock another transaction holds; trying again'),
    });
    if (applying > 0) {
      const seconds = (Date.now() - started) / 1000;
      logger.info({ migrations: applying, seconds }, 'database migrations applied');
    }
  }
  // Its LISTEN session inherits the timeout, which never cuts an idle session: only LISTEN statements run there.
  const connection = connect(options.databaseUrl, {
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    applicationName: 'kaygraph-tasks',
    statementTimeoutMs: timeoutMs,
  });
  const closers: (() => Promise<void>)[] = [() => connection.close()];
  const closeAll = async () => {
    for (const close of closers.reverse()) {
      await close().catch((error: unknown) =>
        logger.error({ err: error }, 'error while closing the task system'),
      );
    }
    closers.length = 0;
  };
  try {
    // Without migrating, a database that was never set up is refused before pg-boss creates its schema there.
    if (options.migrate === false && !(await schemaPresent(connection.db))) throw new SchemaMissingError();
    const tuning: QueueTuning = { ...DEFAULT_QUEUE_TUNING, ...options.tuning };
    const queue = await JobQueue.start({
      databaseUrl: options.databaseUrl,
      logger,
      tuning,
      superviseIntervalSeconds: options.superviseIntervalSeconds ?? 5,
      poolSize: options.queuePoolSize ?? DEFAULT_QUEUE_POOL_SIZE,
    });
    closers.push(() => queue.stop());
    await queue.ensureDeadLetterQueue();
    const registry = new WorkflowRegistry(connection.db, tuning.workerLeaseSeconds);
    const bus = new EventBus(connection.sql, connection.db, logger);
    closers.push(() => bus.close());
    registry.followChanges(bus);
    const context: TaskContext = {
      databaseUrl: options.databaseUrl,
      db: connection.db,
      queue,
      workflows: registry,
      tuning,
      logger,
      maxQueueSize: options.maxQueueSize ?? 100,
      maxSchedulesPerOwner: options.maxSchedulesPerOwner,
      maxBatchSize: options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
      defaultTimeoutSeconds: options.defaultTimeoutSeconds ?? DEFAULT_TASK_TIMEOUT_SECONDS,
      resultTtlSeconds: options.resultTtlSeconds ?? 86_400,
      history: new TaskHistoryReader(connection.db),
      localWorkers: new Set(),
      statementTimeoutMs: timeoutMs,
    };
    const cleaner = startCleaner(context, {
      intervalSeconds: options.cleanupIntervalSeconds ?? 60,
    });
    closers.push(() => cleaner.stop());
    const health = new DatabaseHealth();
    const liveness = startLivenessMonitor(context, {
      intervalMs: options.livenessIntervalMs ?? 1000,
      health,
    });
    closers.push(() => liveness.stop());
    const workers: WorkerRuntime[] = [];
    // Workers stop first (they still settle jobs through the queue and the pool).
    closers.push(() => Promise.all(workers.map((worker) => worker.stop())).then(() => undefined));
    const system: TaskSystem = {
      tasks: createTaskService(context, bus, health),
      events: bus,
      orchestration: createOrchestration(context, bus),
      context,
      workflows: registry,
      async publishWorkflows(catalog) {
        const versions = catalog.list().map(versionRecordOf);
        await queue.ensureQueues(
          versions.map((record) => ({
            workflow: record.name,
            version: record.version,
            defaults: record.defaults,
          })),
        );
        await registry.register(versions, null);
      },
      async startWorker(workerOptions) {
        // Every worker also runs schedule firing passes.
        const worker = await withScheduleFiring(
          context,
          logger.child({ component: 'schedules' }),
          await startWorkerRuntime(context, bus, workerOptions),
          { checkIntervalSeconds: options.scheduleCheckIntervalSeconds ?? 10 },
        );
        workers.push(worker);
        return worker;
      },
      cleanExpired: () => cleaner.runOnce(),
      reapDeadWorkers: () => liveness.runOnce(),
      async ready() {
        if (!(await databaseAnswers(connection.db))) return UNREACHABLE_READINESS;
        // A failure to read them (the connection lost since, say) leaves the migrations not known.
        return { database: true, migrations: await migrationsApplied(connection.sql).catch(() => null) };
      },
      close: closeAll,
      [Symbol.asyncDispose]: closeAll,
    };
    return system;
  } catch (error) {
    await closeAll();
    throw error;
  }
}
