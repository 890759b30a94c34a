import type { Logger } from 'pino';
import type { StoredCheckpoint } from '../attempt-data.ts';
import { isDatabaseAway, retryWhileDatabaseAway } from '../connection-lost.ts';
import type { TaskContext } from '../context.ts';
import type { EventBus } from '../events/event-bus.ts';
import { type Attempt, claimJobs } from '../store/claim.ts';
import { taskRowsToLock } from '../store/finish.ts';
import { type CheckpointWrite, saveCheckpoints } from '../store/progress.ts';
import { runTransaction } from '../transaction.ts';
import { type AbortReason, decideOutcome } from './attempt-outcome.ts';
import { ConcurrencyGate } from './concurrency-gate.ts';
import { type DispatchedJob, Dispatcher, type DispatchQueue } from './dispatcher.ts';
import {
  type Execution,
  InlineExecutor,
  runsInline,
  ThreadExecutor,
  threadCapsOverridden,
} from './executors.ts';
import { loadWorkflowsModule, servicesFactoryOf } from './load-workflows-module.ts';
import { planWait } from './plan-wait.ts';
import type { PlannedOutcome } from './planned-outcome.ts';
import { ProgressReporter } from './progress-reporter.ts';
import { logRunEnded, logRunStarted, runLogger } from './run-log.ts';
import { SerialWrites } from './serial-writes.ts';
import { servedVersions } from './served-versions.ts';
import { settleOutcomes } from './settle-outcomes.ts';
import { CoalescedWrites, TransactionBatcher } from './transaction-batcher.ts';
import { WorkerBeat } from './worker-beat.ts';

/** After the shutdown grace and the abort grace, writes stop waiting for a database that is away. */
const GIVE_UP_AFTER_ABORT_MS = 5_000;
/** A stop now waits this long for a database that is away before it leaves its tasks to the monitor. */
const GIVE_UP_STOPPING_NOW_MS = 3_000;
/** Old-space cap of a worker thread when none is given (a run over it fails with RESOURCE_LIMIT). */
const DEFAULT_THREAD_MEMORY_MB = 512;

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

interface RunningTask {
  attempt: Attempt;
  /** Lines about this run: task id, workflow, attempt and this worker's id in each. */
  log: Logger;
  /** The attempt's last saved checkpoint (the metrics of a run that had to be terminated). */
  checkpoint: StoredCheckpoint | null;
  dispatched: DispatchedJob;
  execution: Execution | undefined;
  reason: AbortReason | undefined;
  timers: NodeJS.Timeout[];
  done: Promise<void>;
  /** The run ended and its local slot went back to the dispatcher before its outcome committed. */
  capacityFreed: boolean;
}

/**
 * The worker runtime: dispatcher -> fetch + claim in one transaction (status running) -> execution (thread
 * pool or inline) with progress, logs and a checkpoint after every node -> one settle transaction (result
 * or error, events, pg-boss job). Cancel arrives through the bus (`task_cancel`), timeouts from a local
 * timer, lost claims from the worker's beat (see WorkerBeat). Writes wait out a lost connection, or a
 * statement timed out behind a lock, for as long as it lasts (until the stop gives up), so neither fails a run.
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
  const running = new Map<string, RunningTask>();
  // Aborted only by a stop whose running tasks could not settle in time: writes then stop waiting.
  const giveUp = new AbortController();
  // Set by stopNow: runs are terminated at once instead of given the abort grace.
  let stoppingNow = false;
  // Claims run beside the writer: they only touch tasks that are not running yet.
  const writer = new TransactionBatcher(ctx.db, { signal: giveUp.signal });
  const progress = new ProgressReporter(ctx.db, logger, giveUp.signal);
  const outcomes = new CoalescedWrites<PlannedOutcome, ReadonlySet<string>>(
    writer,
    (tx, items) => settleOutcomes(ctx, tx, items),
    taskRowsToLock,
  );
  // Checkpoints are single statements of their own (a task awaits each before its next node and its
  // outcome), merged while one is in flight.
  const checkpoints = new SerialWrites<CheckpointWrite>((writes) =>
    retryWhileDatabaseAway(() => saveCheckpoints(ctx.db, writes), giveUp.signal),
  );
  const servicesOptions = options.servicesOptions ?? {};
  const memoryLimitMb = options.memoryLimitMb ?? DEFAULT_THREAD_MEMORY_MB;
  if (threadCapsOverridden()) {
    logger.warn(
      { memoryLimitMb },
      'this process runs with a V8 heap size flag (--max-old-space-size), which Node lets override the memory cap of every worker thread',
    );
  }
  const threads = new ThreadExecutor({
    threads: options.concurrency,
    workflowsModule: options.workflowsModule,
    databaseUrl: ctx.databaseUrl,
    servicesOptions,
    memoryLimitMb,
  });
  // Inline runs run here, with the module's services created on this thread.
  const hasInline = catalog.list().some((workflow) => workflow.inline);
  const services = hasInline
    ? servicesFactoryOf(module, { ...servicesOptions, databaseUrl: ctx.databaseUrl })
    : undefined;
  const inline = new InlineExecutor(catalog, services);
  const gate = new ConcurrencyGate(ctx.databaseUrl, logger);

  const dispatcher = new Dispatcher({
    queues: queues.map(({ workflow, version, defaults }) => ({
      workflow,
      version,
      concurrency: defaults.concurrency,
    })),
    capacity: options.concurrency,
    gate,
    logger,
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    take,
  });

  /**
   * Gives back a job's slots. A task that ran frees its gate slot with a wake-up for every worker (`task_queued`)
   * and wakes this dispatcher too, without waiting for its own LISTEN session; a job whose task did not start
   * frees it silently.
   */
  async function releaseSlot(dispatched: DispatchedJob, ran: boolean, capacityFreed = false): Promise<void> {
    if (dispatched.slot !== null) {
      const { workflow } = dispatched.queue;
      const freeing = ran
        ? gate.releaseAfterTask(workflow, dispatched.slot)
        : gate.release(workflow, [dispatched.slot]);
      await freeing.catch((error: unknown) =>
        logger.warn({ err: error }, 'releasing a concurrency slot failed'),
      );
      if (ran) dispatcher.notify(workflow);
    }
    if (!capacityFreed) dispatcher.release();
  }

  /** Fetches and claims in one transaction; jobs whose task must not run were settled in it. */
  async function take(queue: DispatchQueue, want: number, slots: readonly number[]): Promise<number> {
    const { jobs, attempts } = await runTransaction(ctx.db, (tx) =>
      claimJobs(tx, ctx.queue, beat.workerId, queue, want),
    );
    const claimed = new Map(attempts.map((attempt) => [attempt.job.jobId, attempt]));
    jobs.forEach((job, i) => {
      const dispatched: DispatchedJob = { queue, job, slot: slots[i] ?? null };
      const attempt = claimed.get(job.jobId);
      if (attempt) startTask(attempt, dispatched);
      else void releaseSlot(dispatched, false);
    });
    return jobs.length;
  }

  function startTask(attempt: Attempt, dispatched: DispatchedJob): void {
    const log = runLogger(runsLogger, attempt);
    const task: RunningTask = {
      attempt,
      log,
      checkpoint: attempt.checkpoint,
      dispatched,
      execution: undefined,
      reason: undefined,
      timers: [],
      done: Promise.resolve(),
      capacityFreed: false,
    };
    running.set(attempt.taskId, task);
    logRunStarted(log, attempt);
    task.done = runTask(task)
      // runTask records every expected failure as the attempt's outcome; anything else is a bug to log,
      // never an unhandled rejection that takes the process (and every other running task) down.
      .catch((error: unknown) => log.error({ err: error }, 'running a task failed'))
      .finally(async () => {
        for (const timer of task.timers) clearTimeout(timer);
        running.delete(attempt.taskId);
        await releaseSlot(dispatched, true, task.capacityFreed);
      });
  }

  async function runTask(task: RunningTask): Promise<void> {
    const { attempt, log } = task;
    const startedAt = performance.now();
    const workflow = catalog.get(attempt.workflow);
    const executor = workflow && runsInline(workflow, attempt.params) ? inline : threads;
    const execution = executor.start(
      {
        taskId: attempt.taskId,
        owner: attempt.owner,
        workflow: attempt.workflow,
        params: { ...attempt.params },
        attempt: attempt.attempt,
        checkpoint: attempt.checkpoint,
        metrics: attempt.metrics,
        dependencyResults: { ...attempt.dependencyResults },
        resumeWith: attempt.resume,
        progressFrom: attempt.resumedProgress,
      },
      {
        onProgress: (report) =>
          progress.report(attempt, {
            progress: Math.round(report.percent * 10) / 10,
            step: report.step,
            message: report.message,
            eta_seconds: report.etaSeconds,
          }),
        onLog: (level, message, data) => progress.log(attempt, level, message, data),
        onReportFailed: (report, error) => {
          const lost = report === 'log' ? 'a log event' : 'a progress report';
          log.warn({ report, error }, `${lost} of a running task could not be recorded`);
          progress.log(attempt, 'warn', `${lost} could not be recorded: ${error}`);
        },
        onCheckpoint: async (checkpoint) => {
          try {
            await checkpoints.add({ attempt, checkpoint });
          } catch (error) {
            // Only a stop that gave up on the database gets here with the database away: the run is
            // released (requeued with its retries), never failed for it.
            if (isDatabaseAway(error)) abortTask(attempt.taskId, 'disconnected');
            throw error;
          }
          task.checkpoint = checkpoint;
        },
      },
    );
    task.execution = execution;
    // Claimed by a fetch that was in flight when the stop came.
    if (stoppingNow) task.reason ??= 'shutdown';
    if (task.reason) abortTask(attempt.taskId, task.reason);
    task.timers.push(setTimeout(() => abortTask(attempt.taskId, 'timeout'), attempt.timeoutSeconds * 1000));
    const result = await execution.result;
    // The run is over: its local slot may take the next job while the outcome commits. A slot of a
    // cluster-wide concurrency limit is only given back after the outcome (the task runs until then).
    if (task.dispatched.slot === null) {
      task.capacityFreed = true;
      dispatcher.release();
    }
    const decided = await decideOutcome(attempt, result, task.reason, task.checkpoint, (run) =>
      planWait(ctx, catalog, attempt, run),
    );
    const unwritten = await progress.settle(attempt, { completed: decided?.kind === 'completed' });
    const seconds = (performance.now() - startedAt) / 1000;
    if (!decided) {
      logRunEnded(log, decided, seconds);
      return;
    }
    const outcome =
      decided.kind === 'completed' && unwritten
        ? { ...decided, endedOn: { step: unwritten.step, message: unwritten.message } }
        : decided;
    await outcomes.add(outcome).then(
      // An attempt that no longer owns its task (its lease lapsed, the task was taken back) writes nothing.
      // A cancelled run (`abandoned`) writes no task row: it never shows as owned.
      (owned) =>
        logRunEnded(
          log,
          outcome.kind === 'abandoned' || owned.has(attempt.taskId) ? outcome : undefined,
          seconds,
        ),
      (error: unknown) => {
        // The task stays running under this worker: once the worker stops beating, the liveness monitor
        // takes it back (the checkpoint keeps the work done).
        log.error({ err: error }, 'storing the outcome of a task failed');
      },
    );
  }

  function abortTask(taskId: string, reason: AbortReason): void {
    const task = running.get(taskId);
    if (!task) return;
    task.reason ??= reason;
    const execution = task.execution;
    if (!execution) return;
    execution.abort(task.reason);
    // Stopping now, a run gets no grace to reach its next node: it is released as it is.
    if (stoppingNow) execution.terminate();
    else task.timers.push(setTimeout(() => execution.terminate(), abortGraceMs));
  }

  const beat = await WorkerBeat.start({
    databaseUrl: ctx.databaseUrl,
    statementTimeoutMs: ctx.statementTimeoutMs,
    logger,
    intervalMs: (ctx.tuning.workerLeaseSeconds * 1000) / 3,
    workflows: versions,
    running: () => [...running.values()].map((task) => task.attempt),
    onLost: (attempt) => {
      if (running.get(attempt.taskId)?.attempt === attempt) abortTask(attempt.taskId, 'lost');
    },
  }).catch(async (error: unknown) => {
    await Promise.allSettled([threads.close(), gate.close()]);
    throw error;
  });
  ctx.localWorkers.add(beat.workerId);
  // Every line about a run names the worker, as `workers` and the task's `worker_id` do.
  const runsLogger = logger.child({ worker_id: beat.workerId });
  const unsubscribe = [
    bus.onQueued((workflow) => dispatcher.notify(workflow)),
    bus.onCancel((taskId) => abortTask(taskId, 'cancel')),
    bus.onReconnect(() => {
      beat.beatNow();
      dispatcher.markAllDirty();
    }),
  ];
  // Wake-ups and cancels are heard before the first task is fetched.
  try {
    await Promise.all([bus.listening('queued'), bus.listening('cancel')]);
  } catch (error) {
    for (const off of unsubscribe) off();
    ctx.localWorkers.delete(beat.workerId);
    await Promise.allSettled([beat.stop(), threads.close(), gate.close()]);
    throw error;
  }
  dispatcher.start();
  const workflowNames = catalog.list().map((workflow) => workflow.name);
  runsLogger.info({ concurrency: options.concurrency, workflows: workflowNames }, 'worker started');

  const shutdownGraceSeconds = options.shutdownGraceSeconds ?? 30;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // Also waits for a fetch in flight: every fetched job is then running or settled.
      await dispatcher.stop();
      const graceMs = shutdownGraceSeconds * 1000;
      const allDone = () => Promise.all([...running.values()].map((task) => task.done));
      let graceTimer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'grace'>((resolve) => {
        graceTimer = setTimeout(() => resolve('grace'), graceMs);
      });
      if ((await Promise.race([allDone(), graceOver])) === 'grace') {
        logger.warn({ running: running.size }, 'shutdown grace over: aborting running tasks to requeue them');
        for (const taskId of [...running.keys()]) abortTask(taskId, 'shutdown');
        // A database that is away must not hold the stop forever: the monitor takes back what is left.
        setTimeout(() => giveUp.abort(), abortGraceMs + GIVE_UP_AFTER_ABORT_MS).unref();
      }
      await allDone();
      // Only now: running tasks still honour cancels during the grace period.
      for (const off of unsubscribe) off();
      clearTimeout(graceTimer);
      await writer.idle();
      ctx.localWorkers.delete(beat.workerId);
      await beat.stop();
      await threads.close();
      await gate.close();
      logger.info('worker stopped');
    })();
    return stopping;
  };
  // Their outcomes are `released` (worker/attempt-outcome.ts), settled by the one writer like any other;
  // a stop in progress then finds its tasks done at once.
  const stopNow = (): Promise<void> => {
    if (!stoppingNow) {
      stoppingNow = true;
      logger.info({ running: running.size }, 'stopping now: terminating the running tasks to requeue them');
      for (const taskId of [...running.keys()]) abortTask(taskId, 'shutdown');
      setTimeout(() => giveUp.abort(), GIVE_UP_STOPPING_NOW_MS).unref();
    }
    return stop();
  };

  return {
    workerId: beat.workerId,
    get active() {
      return running.size;
    },
    shutdownGraceSeconds,
    stop,
    stopNow,
    [Symbol.asyncDispose]: stop,
  };
}
