import type { WorkflowDefaults } from '@kaygraph/contracts';
import { PRIORITY_RANK } from '@kaygraph/contracts';
import { sql } from 'drizzle-orm';
import { type Db, fromDrizzle, type JobInsert, PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import type { Executor } from '../db.ts';
import { createOutageLog } from '../outage-log.ts';
import type { FetchedJob, JobAttempt, JobRetry, JobView, QueueRef, QueueTuning, TaskJob } from './jobs.ts';

/**
 * The one module that knows pg-boss: every call goes through its public API, and calls that must commit
 * with our rows take the transaction through pg-boss' documented drizzle adapter. Our `tasks` table is the
 * record of every task; a job only carries its task id.
 */

/** pg-boss refuses a job expiry of a day or more. */
const MAX_EXPIRY_SECONDS = 86_399;

/** Where pg-boss copies the job of a task whose last retry failed; nothing works it. */
export const DEAD_LETTER_QUEUE = 'tasks.dead_letter';

/**
 * The queue of a workflow version: `wf.<name>/<version>` (`/` appears in neither a workflow name nor a
 * version, and pg-boss accepts it); `wf.<name>` for tasks submitted before versions were recorded.
 */
export function workflowQueue(ref: QueueRef): string {
  return ref.version === null ? `wf.${ref.workflow}` : `wf.${ref.workflow}/${ref.version}`;
}

/**
 * node-postgres hangs its whole `Client` (sockets, queues, options) on a connection's errors, and pg-boss
 * passes them on: logged as they are, one lost connection is a line of kilobytes.
 */
function withoutClient(error: unknown): unknown {
  if (!(error instanceof Error) || !('client' in error)) return error;
  // A copy of the same class, so the log still names it (DatabaseError).
  const copy = Object.assign(Object.create(Object.getPrototypeOf(error)), error, {
    message: error.message,
    stack: error.stack,
  });
  delete copy.client;
  return copy;
}

interface TaskJobData {
  task_id: string;
}

export interface JobQueueOptions {
  databaseUrl: string;
  logger: Logger;
  tuning: QueueTuning;
  /** Seconds between supervise passes (expired jobs are failed, so retried). */
  superviseIntervalSeconds: number;
  /** Size of pg-boss' own `pg` pool. */
  poolSize: number;
}

/**
 * pg-boss' documented drizzle adapter on our transaction. Its statements run unchanged; values are bound
 * as pg-boss' own driver (node-postgres) binds them: an object as JSON text (drizzle configured our
 * postgres.js client to pass json values through untouched), an array of scalars (job ids, attempt pairs,
 * queue names) as one array literal. Left to the adapter, such an array would become one parameter per
 * element (`ARRAY[$2, $3, ...]`, for drivers that cannot bind arrays): a statement per batch size that
 * PostgreSQL parses on every call, and a drizzle parameter to build for every job.
 */
function inTx(tx: Executor): Db {
  const adapter = fromDrizzle(tx, sql);
  return {
    executeSql: (text, values) => adapter.executeSql(text, values?.map(boundAsNodePostgres)),
  };
}

function boundAsNodePostgres(value: unknown): unknown {
  if (isJsonObject(value)) return JSON.stringify(value);
  if (Array.isArray(value)) return arrayLiteral(value) ?? value;
  return value;
}

function isJsonObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date)
    return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A PostgreSQL array literal of strings, numbers, booleans and nulls (nested arrays of them too), each
 * string quoted and escaped as node-postgres writes it; undefined when an element is anything else.
 */
export function arrayLiteral(values: readonly unknown[]): string | undefined {
  const elements: string[] = [];
  for (const value of values) {
    if (value === null || value === undefined) elements.push('NULL');
    else if (typeof value === 'string') elements.push(`"${value.replace(/[\\"]/g, '\\$&')}"`);
    else if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
      elements.push(String(value));
    else if (Array.isArray(value)) {
      const nested = arrayLiteral(value);
      if (nested === undefined) return undefined;
      elements.push(nested);
    } else return undefined;
  }
  return `{${elements.join(',')}}`;
}

function byQueue<T extends QueueRef>(items: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const queue = workflowQueue(item);
    const list = groups.get(queue);
    if (list) list.push(item);
    else groups.set(queue, [item]);
  }
  return groups;
}

function attemptsOf(attempts: readonly JobAttempt[]) {
  return attempts.map((attempt) => ({ id: attempt.jobId, retryCount: attempt.retryCount }));
}

/**
 * The job queue of a task system. pg-boss runs on its own `pg` pool (never the drizzle-configured
 * postgres.js client, whose parsers drizzle changed).
 */
export class JobQueue {
  readonly #boss: PgBoss;
  readonly #tuning: QueueTuning;

  private constructor(boss: PgBoss, tuning: QueueTuning) {
    this.#boss = boss;
    this.#tuning = tuning;
  }

  static async start(options: JobQueueOptions): Promise<JobQueue> {
    const boss = new PgBoss({
      connectionString: options.databaseUrl,
      max: options.poolSize,
      application_name: 'kaygraph-pgboss',
      superviseIntervalSeconds: options.superviseIntervalSeconds,
      // Expiry (the backstop for a hung worker) is checked in the monitor pass: such a job is retried
      // after this long, not after the default minute.
      monitorIntervalSeconds: options.superviseIntervalSeconds,
      // Cron schedules are fired by our own passes (orchestration/schedule-firing.ts), fair across owners.
      schedule: false,
      // No pg-boss instance registry: process liveness is ours (the `workers` table), and its registrar
      // samples the event loop every 20 ms in every process, idle or not.
      registerInstance: false,
    });
    // pg-boss retries its loops by itself and never says one went through: an outage ends after a quiet minute.
    const errors = createOutageLog(options.logger, 'pg-boss', { msg: 'pg-boss error', quietMs: 60_000 });
    boss.on('error', (error: unknown) => errors.failed(withoutClient(error)));
    boss.on('warning', (warning: unknown) => options.logger.warn({ warning }, 'pg-boss warning'));
    await boss.start();
    return new JobQueue(boss, options.tuning);
  }

  /** Stops pg-boss. */
  stop(): Promise<void> {
    return this.#boss.stop({ graceful: true, timeout: 10_000 });
  }

  /** Creates or updates the dead-letter queue (every workflow queue names it). */
  async ensureDeadLetterQueue(): Promise<void> {
    const tuning = this.#tuning;
    await this.#upsertQueue(DEAD_LETTER_QUEUE, {
      retentionSeconds: tuning.deadLetterRetentionSeconds,
      deleteAfterSeconds: tuning.deadLetterRetentionSeconds,
    });
  }

  /**
   * Creates or updates the queues of workflow versions (before they are registered, so a submit always
   * finds its queue). The per-queue values are defaults only: every job carries its task's own retry and
   * expiry options.
   */
  async ensureQueues(queues: readonly (QueueRef & { defaults: WorkflowDefaults })[]): Promise<void> {
    const tuning = this.#tuning;
    for (const queue of queues) {
      const defaults = queue.defaults;
      await this.#upsertQueue(workflowQueue(queue), {
        deadLetter: DEAD_LETTER_QUEUE,
        retryLimit: defaults.max_retries,
        retryDelay: defaults.retry_delay_seconds,
        retryBackoff: defaults.retry_backoff,
        // Every job carries its task's own expiry: this queue default is never used for our jobs.
        expireInSeconds: this.expirySeconds(defaults.timeout_seconds ?? MAX_EXPIRY_SECONDS),
        deleteAfterSeconds: tuning.completedJobRetentionSeconds,
      });
    }
  }

  /**
   * Creates or updates a queue. No pg-boss heartbeats: worker liveness is ours (the `workers` table), and
   * pg-boss' would fail every job of a live worker after a database outage longer than its heartbeat.
   */
  async #upsertQueue(name: string, settings: Parameters<PgBoss['createQueue']>[1]): Promise<void> {
    if (await this.#boss.getQueue(name))
      await this.#boss.updateQueue(name, { ...settings, heartbeatSeconds: null });
    else await this.#boss.createQueue(name, settings);
  }

  /**
   * pg-boss' expiry of a job whose task times out after `timeoutSeconds`: the worker enforces the timeout
   * itself; the expiry is the backstop for a worker that died or hung (pg-boss requires < 24 h).
   */
  expirySeconds(timeoutSeconds: number): number {
    return Math.min(timeoutSeconds + this.#tuning.abortGraceSeconds + 5, MAX_EXPIRY_SECONDS);
  }

  #jobInsert(job: TaskJob): JobInsert<TaskJobData> {
    return {
      id: job.jobId,
      data: { task_id: job.taskId },
      priority: PRIORITY_RANK[job.priority],
      retryLimit: job.retryLimit,
      retryDelay: job.retryDelaySeconds,
      retryBackoff: job.retryBackoff,
      expireInSeconds: this.expirySeconds(job.timeoutSeconds),
      deleteAfterSeconds: this.#tuning.completedJobRetentionSeconds,
      deadLetter: DEAD_LETTER_QUEUE,
      ...(job.startAfter ? { startAfter: job.startAfter } : {}),
      ...(job.concurrencyGroup === null ? {} : { group: { id: job.concurrencyGroup } }),
    };
  }

  /** Creates the jobs in `tx` (one insert per workflow): they commit, or vanish, with the task rows. */
  async insert(tx: Executor, jobs: readonly TaskJob[]): Promise<void> {
    for (const [queue, list] of byQueue(jobs)) {
      await this.#boss.insert(
        queue,
        list.map((job) => this.#jobInsert(job)),
        { db: inTx(tx) },
      );
    }
  }

  /**
   * Up to `batchSize` runnable jobs of a workflow version, highest priority first, made active in `tx`.
   * `perGroup`: at most this many active jobs per group (concurrency key), pg-boss' `groupConcurrency`;
   * null leaves the fetch as it is for every workflow without a per-key limit.
   */
  async fetch(
    tx: Executor,
    queue: QueueRef,
    batchSize: number,
    perGroup: number | null = null,
  ): Promise<FetchedJob[]> {
    const jobs = await this.#boss.fetch<TaskJobData>(workflowQueue(queue), {
      batchSize,
      includeMetadata: true,
      db: inTx(tx),
      ...(perGroup === null ? {} : { groupConcurrency: perGroup }),
    });
    return jobs.map((job) => ({
      workflow: queue.workflow,
      version: queue.version,
      jobId: job.id,
      taskId: job.data.task_id,
      retryCount: job.retryCount,
      retryLimit: job.retryLimit,
      concurrencyGroup: job.groupId ?? null,
    }));
  }

  /** Completes job attempts in `tx`; an attempt that is no longer active is left alone. */
  async complete(tx: Executor, attempts: readonly JobAttempt[]): Promise<void> {
    for (const [queue, list] of byQueue(attempts)) {
      await this.#boss.complete(queue, attemptsOf(list), null, { db: inTx(tx) });
    }
  }

  /** Fails job attempts in `tx`: pg-boss retries them, or dead-letters them after the last retry. */
  async fail(tx: Executor, attempts: readonly JobAttempt[]): Promise<void> {
    for (const [queue, list] of byQueue(attempts)) {
      await this.#boss.fail(queue, attemptsOf(list), null, { db: inTx(tx) });
    }
  }

  /** Cancels job attempts in `tx` (no retry, no dead letter). */
  async cancelAttempts(tx: Executor, attempts: readonly JobAttempt[]): Promise<void> {
    for (const [queue, list] of byQueue(attempts)) {
      await this.#boss.cancel(queue, attemptsOf(list), { db: inTx(tx) });
    }
  }

  /**
   * Cancels the waiting jobs of tasks whose cancel has committed, on pg-boss' own pool (a worker's fetch
   * locks a job row before its task row, so a cancel must not wait for job rows while it holds task rows).
   */
  async cancelWaiting(jobs: readonly (QueueRef & { jobId: string })[]): Promise<void> {
    for (const [queue, list] of byQueue(jobs)) {
      await this.#boss.cancel(
        queue,
        list.map((job) => job.jobId),
      );
    }
  }

  /**
   * When pg-boss runs each job again, with its retry count and limit, read in `tx` (after `fail`, the end
   * of the backoff it chose); a job no longer held is left out.
   */
  async retries(
    tx: Executor,
    jobs: readonly (QueueRef & { jobId: string })[],
  ): Promise<Map<string, JobRetry>> {
    const retries = new Map<string, JobRetry>();
    for (const job of jobs) {
      const [view] = await this.#boss.findJobs<TaskJobData>(workflowQueue(job), {
        id: job.jobId,
        db: inTx(tx),
      });
      if (view) {
        retries.set(job.jobId, {
          startAfter: new Date(view.startAfter),
          retryCount: view.retryCount,
          retryLimit: view.retryLimit,
        });
      }
    }
    return retries;
  }

  /** A task's job as pg-boss holds it, or null. */
  async findJob(queue: QueueRef, jobId: string): Promise<JobView | null> {
    const [job] = await this.#boss.findJobs<TaskJobData>(workflowQueue(queue), { id: jobId });
    if (!job) return null;
    return {
      taskId: job.data.task_id,
      state: job.state,
      priority: job.priority,
      retryLimit: job.retryLimit,
      retryCount: job.retryCount,
      startAfter: job.startAfter,
    };
  }

  /** Deletes the dead-letter jobs of tasks (a redrive or purge), in `tx`. */
  async deleteDeadLetters(tx: Executor, taskIds: readonly string[]): Promise<void> {
    for (const taskId of taskIds) {
      const jobs = await this.#boss.findJobs<TaskJobData>(DEAD_LETTER_QUEUE, {
        data: { task_id: taskId },
        db: inTx(tx),
      });
      if (jobs.length > 0) {
        await this.#boss.deleteJob(
          DEAD_LETTER_QUEUE,
          jobs.map((job) => job.id),
          { db: inTx(tx) },
        );
      }
    }
  }

  /** Task ids of a workflow version's jobs that wait to run (created or retry), oldest first, up to 100,000. */
  async queuedTaskIds(queue: QueueRef): Promise<string[]> {
    const jobs = await this.#boss.findJobs<TaskJobData>(workflowQueue(queue), {
      queued: true,
      limit: 100_000,
    });
    return jobs.map((job) => job.data.task_id);
  }

  /** Dead-letter jobs of tasks (tests and operators). */
  async deadLetterTaskIds(): Promise<string[]> {
    const jobs = await this.#boss.findJobs<TaskJobData>(DEAD_LETTER_QUEUE, { queued: true });
    return jobs.map((job) => job.data.task_id);
  }

  /** A job sent straight to a workflow version's queue, outside any task (benchmarks of raw pg-boss). */
  sendRaw(queue: QueueRef, data: object): Promise<string | null> {
    return this.#boss.send(workflowQueue(queue), data);
  }
}
