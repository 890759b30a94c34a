import type { Logger } from 'pino';
import type { TaskContext } from '../context.ts';
import type { EventBus } from '../events/event-bus.ts';
import { claimJobs } from '../store/claim.ts';
import { wakeKeyedWorkers } from '../store/key-slots.ts';
import { pausedWorkflows, WorkflowPausedError } from '../store/workflow-pauses.ts';
import { runTransaction } from '../transaction.ts';
import { followBus } from './bus-wiring.ts';
import { ConcurrencyGate } from './concurrency-gate.ts';
import { type DispatchedJob, Dispatcher, type DispatchQueue, type JobsTaken } from './dispatcher.ts';
import { loadWorkflowsModule } from './load-workflows-module.ts';
import { DEFAULT_MAX_RESULT_BYTES } from './result-size.ts';
import { createRunExecutors } from './run-executors.ts';
import { RunLog } from './run-log.ts';
import { createRunWrites } from './run-writes.ts';
import { runtimeStop } from './runtime-stop.ts';
import { servedVersions } from './served-versions.ts';
import { slotRelease } from './slot-release.ts';
import { TaskRuns } from './task-runs.ts';
import { WorkerBeat } from './worker-beat.ts';

export interface WorkerOptions {
  /** Tasks this process runs at once (MAX_WORKERS). */
  concurrency: number;
  /**
   * Module (path or specifier) exporting `catalog`: the workflows this worker runs and registers. It is
   * loaded here and by every worker thread.
   */
  workflowsModule: string;
  /** Old-space cap of each worker thread, in MB (default 512). */
  memoryLimitMb?: number;
  /** On stop: how long running tasks may finish before they are aborted and requeued (default 30). */
  shutdownGraceSeconds?: number;
  /** Poll for jobs that become runnable without a NOTIFY (retry backoff, run_at); default 1000 ms. */
  pollIntervalMs?: number;
  /** Passed with the database URL to the workflows module's `createServices` (JSON-serialisable). */
  servicesOptions?: Record<string, unknown>;
  /**
   * Largest result a run may complete with, as bytes of JSON (MAX_RESULT_BYTES; default 10 MiB): a larger
   * one fails the task with RESULT_TOO_LARGE, not retried.
   */
  maxResultBytes?: number;
}

export interface WorkerRuntime extends AsyncDisposable {
  /** This worker's id in `workers` (the `worker_id` of the tasks it claims). */
  readonly workerId: string;
  /** Tasks running now. */
  readonly active: number;
  /** How long `stop()` lets running tasks finish. */
  readonly shutdownGraceSeconds: number;
  /** Stop taking work, let running tasks finish within the grace period, then abort and requeue them. */
  stop(): Promise<void>;
  /**
   * Stop taking work and stop running tasks at once (threads terminated, inline runs aborted and given
   * up), putting each back in the queue without spending a retry; also cuts short a `stop()` in progress.
   * A database that stays away for a few seconds is given up on: the liveness monitor takes those back.
   */
  stopNow(): Promise<void>;
}

/**
 * The worker runtime: dispatcher -> fetch + claim in one transaction (status running) -> execution (thread
 * pool or inline) with progress, logs and a checkpoint after every node -> one settle transaction (result
 * or error, events, pg-boss job). Cancel arrives through the bus (`task_cancel`), timeouts from a local
 * timer, lost claims from the worker's beat (see WorkerBeat). Writes wait out a lost connection, or a
 * statement timed out behind a lock, for as long as it lasts (until the stop gives up), so neither fails a run.
 * This assembles the parts: the runs (task-runs.ts), the bus (bus-wiring.ts) and the stop (runtime-stop.ts).
 */
export async function startWorkerRuntime(
  ctx: TaskContext,
  bus: EventBus,
  options: WorkerOptions,
): Promise<WorkerRuntime> {
  const logger: Logger = ctx.logger.child({ component: 'worker' });
  const module = await loadWorkflowsModule(options.workflowsModule);
  const catalog = module.catalog;
  const { versions, queues } = await servedVersions(ctx, catalog);
  const abortGraceMs = ctx.tuning.abortGraceSeconds * 1000;
  // Aborted only by a stop whose running tasks could not settle in time: writes then stop waiting.
  const giveUp = new AbortController();
  const writes = createRunWrites(ctx, logger, giveUp.signal);
  const { threads, inline } = createRunExecutors(ctx, module, options, logger);
  const gate = new ConcurrencyGate(ctx.databaseUrl, logger);

  const dispatcher = new Dispatcher({
    queues: queues.map(({ workflow, version, defaults }) => ({
      workflow,
      version,
      concurrency: defaults.concurrency,
      concurrencyPerKey: defaults.concurrency_per_key,
      rateLimit: defaults.rate_limit,
    })),
    capacity: options.concurrency,
    gate,
    logger,
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    readPaused: async () => new Set((await pausedWorkflows(ctx.db)).keys()),
    take,
  });
  const releaseSlot = slotRelease(gate, dispatcher, logger, (workflow) => wakeKeyedWorkers(ctx.db, workflow));
  const runs = new TaskRuns({
    ctx,
    catalog,
    servedVersions: new Map(versions.map((record) => [record.name, record.version])),
    threads,
    inline,
    writes,
    abortGraceMs,
    maxResultBytes: options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES,
    releaseSlot,
    freeCapacity: () => dispatcher.release(),
  });

  /** Fetches and claims in one transaction; jobs whose task must not run were settled in it. */
  async function take(queue: DispatchQueue, want: number, slots: readonly number[]): Promise<JobsTaken> {
    const claim = await runTransaction(ctx.db, (tx) =>
      claimJobs(tx, ctx.queue, beat.workerId, queue, want),
    ).catch((error: unknown) => {
      // Paused while this claim was on its way: it rolled back (its jobs stay queued).
      if (!(error instanceof WorkflowPausedError)) throw error;
      dispatcher.setPaused(queue.workflow, true);
      return null;
    });
    if (claim === null) return { fetched: 0, nextStartInSeconds: null };
    const { jobs, attempts, nextStartInSeconds } = claim;
    const claimed = new Map(attempts.map((attempt) => [attempt.job.jobId, attempt]));
    jobs.forEach((job, i) => {
      const dispatched: DispatchedJob = { queue, job, slot: slots[i] ?? null };
      const attempt = claimed.get(job.jobId);
      if (attempt) runs.start(attempt, dispatched, new RunLog(runsLogger, attempt));
      else void releaseSlot(dispatched, false);
    });
    return { fetched: jobs.length, nextStartInSeconds };
  }

  const beat = await WorkerBeat.start({
    databaseUrl: ctx.databaseUrl,
    statementTimeoutMs: ctx.statementTimeoutMs,
    logger,
    intervalMs: (ctx.tuning.workerLeaseSeconds * 1000) / 3,
    workflows: versions,
    running: () => runs.attempts(),
    onLost: (attempt) => {
      if (runs.isCurrent(attempt)) runs.abort(attempt.taskId, 'lost');
    },
  }).catch(async (error: unknown) => {
    inline.close();
    await Promise.allSettled([threads.close(), gate.close()]);
    throw error;
  });
  ctx.localWorkers.add(beat.workerId);
  // Every line about a run names the worker, as `workers` and the task's `worker_id` do.
  const runsLogger = logger.child({ worker_id: beat.workerId });
  const stopListening = await followBus(bus, dispatcher, runs, beat).catch(async (error: unknown) => {
    ctx.localWorkers.delete(beat.workerId);
    inline.close();
    await Promise.allSettled([beat.stop(), threads.close(), gate.close()]);
    throw error;
  });
  await dispatcher.start();
  const workflowNames = catalog.list().map((workflow) => workflow.name);
  runsLogger.info({ concurrency: options.concurrency, workflows: workflowNames }, 'worker started');

  const shutdownGraceSeconds = options.shutdownGraceSeconds ?? 30;
  const { stop, stopNow } = runtimeStop({
    ctx,
    logger,
    dispatcher,
    runs,
    writer: writes.writer,
    beat,
    threads,
    inline,
    gate,
    stopListening,
    giveUp,
    shutdownGraceSeconds,
    abortGraceMs,
  });
  return {
    workerId: beat.workerId,
    get active() {
      return runs.size;
    },
    shutdownGraceSeconds,
    stop,
    stopNow,
    [Symbol.asyncDispose]: stop,
  };
}
