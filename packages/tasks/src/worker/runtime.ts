import type { Logger } from 'pino';
import type postgres from 'postgres';
import { isConnectionLost } from '../connection-lost.ts';
import type { EventBus } from '../events/event-bus.ts';
import { bossTx } from '../queue/boss-tx.ts';
import { captureFetchStatement, type FetchStatement } from '../queue/fetch-statement.ts';
import { workflowQueue } from '../queue/names.ts';
import type { TaskContext } from '../service/context.ts';
import { type AbortReason, decideOutcome } from './attempt-outcome.ts';
import { ConcurrencyGate } from './concurrency-gate.ts';
import { type DispatchedJob, Dispatcher, type DispatchQueue } from './dispatcher.ts';
import { type Execution, InlineExecutor, ThreadExecutor } from './executors.ts';
import { fetchAndClaim } from './fetch-and-claim.ts';
import { type AttemptOutcome, finishAttempts } from './finish-attempts.ts';
import { loadWorkflowsModule, servicesFactoryOf } from './load-workflows-module.ts';
import { ProgressReporter } from './progress-reporter.ts';
import { type CheckpointWrite, type ClaimedTask, saveCheckpoints } from './task-store.ts';
import { CoalescedWrites, TransactionBatcher } from './transaction-batcher.ts';

export interface WorkerOptions {
  /** Tasks this process runs at once (MAX_WORKERS). */
  concurrency: number;
  /** Module (path or specifier) exporting `catalog`, loaded by every worker thread. */
  workflowsModule: string;
  /** Heap cap of each worker thread (resourceLimits.maxOldGenerationSizeMb). */
  memoryLimitMb?: number;
  /** On stop: how long running tasks may finish before they are aborted and requeued (default 30). */
  shutdownGraceSeconds?: number;
  /** Poll for jobs that become runnable without a NOTIFY (retry backoff, run_at); default 1000 ms. */
  pollIntervalMs?: number;
  /** Passed with the database URL to the workflows module's `createServices` (JSON-serialisable). */
  servicesOptions?: Record<string, unknown>;
}

export interface WorkerRuntime extends AsyncDisposable {
  /** Tasks running now. */
  readonly active: number;
  /** Stop taking work, let running tasks finish within the grace period, then abort and requeue them. */
  stop(): Promise<void>;
}

interface RunningTask {
  claim: ClaimedTask;
  dispatched: DispatchedJob;
  execution: Execution | undefined;
  reason: AbortReason | undefined;
  timers: NodeJS.Timeout[];
  done: Promise<void>;
  /** The run ended and its local slot went back to the dispatcher before its outcome committed. */
  capacityFreed: boolean;
}

/**
 * The worker runtime: dispatcher -> claim (status running) -> execution (thread pool or inline) with
 * progress, logs and a checkpoint after every node -> one settle transaction (result or error, events,
 * pg-boss job). Cancel arrives through the bus (`task_cancel`), timeouts from a local timer, lost claims
 * from the heartbeat.
 */
export async function startWorkerRuntime(
  ctx: TaskContext,
  bus: EventBus,
  sql: postgres.Sql,
  options: WorkerOptions,
): Promise<WorkerRuntime> {
  const logger: Logger = ctx.logger.child({ component: 'worker' });
  const abortGraceMs = ctx.tuning.abortGraceSeconds * 1000;
  const running = new Map<string, RunningTask>();
  // Claims run beside the writer (with their fetch, see take()): they only touch tasks that are not running
  // yet, so they never conflict with the writer's rows, and a busy worker claims the next batch while the
  // previous one's outcomes commit.
  const writer = new TransactionBatcher(ctx.db);
  const progress = new ProgressReporter(writer, logger);
  const outcomes = new CoalescedWrites<AttemptOutcome>(
    writer,
    (tx, items) => finishAttempts(ctx, tx, items),
    (outcome) => outcome.claim.taskId,
  );
  const checkpoints = new CoalescedWrites<CheckpointWrite>(
    writer,
    (tx, items) => saveCheckpoints(tx, items),
    (write) => write.claim.taskId,
  );
  const servicesOptions = options.servicesOptions ?? {};
  const threads = new ThreadExecutor({
    threads: options.concurrency,
    workflowsModule: options.workflowsModule,
    databaseUrl: ctx.databaseUrl,
    servicesOptions,
    ...(options.memoryLimitMb ? { memoryLimitMb: options.memoryLimitMb } : {}),
  });
  // Inline workflows run here, with the module's services created on this thread.
  const hasInline = ctx.catalog.list().some((workflow) => workflow.inline);
  const module = hasInline ? await loadWorkflowsModule(options.workflowsModule) : undefined;
  const services = module
    ? servicesFactoryOf(options.workflowsModule, module, { ...servicesOptions, databaseUrl: ctx.databaseUrl })
    : undefined;
  const inline = new InlineExecutor(ctx.catalog, services);
  const gate = new ConcurrencyGate(sql);

  const dispatcher = new Dispatcher({
    queues: ctx.catalog.list().map((workflow) => ({
      name: workflowQueue(workflow.name),
      workflow: workflow.name,
      concurrency: workflow.defaults.concurrency,
    })),
    capacity: options.concurrency,
    gate,
    logger,
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    take,
  });

  async function releaseSlot(dispatched: DispatchedJob, capacityFreed = false): Promise<void> {
    if (dispatched.slot !== null) {
      await gate
        .release(dispatched.queue.workflow, [dispatched.slot])
        .catch((error: unknown) => logger.warn({ err: error }, 'releasing a concurrency slot failed'));
    }
    if (!capacityFreed) dispatcher.release();
  }

  // pg-boss' fetch statement of each queue, taken from pg-boss once (see queue/fetch-statement.ts).
  const fetchStatements = new Map<string, Promise<FetchStatement>>();
  function fetchStatementOf(queue: string): Promise<FetchStatement> {
    let statement = fetchStatements.get(queue);
    if (!statement) {
      statement = captureFetchStatement(ctx.boss, queue);
      // A failed capture is taken again on the next fetch.
      statement.catch(() => fetchStatements.delete(queue));
      fetchStatements.set(queue, statement);
    }
    return statement;
  }

  /**
   * Fetch and claim in ONE statement (one round trip and one commit on the pickup path, see
   * fetch-and-claim.ts): the jobs become active and their tasks running together, or neither does (the jobs
   * stay queued for the next fetch). Jobs whose task must not run (cancelled while queued, replaced by a
   * manual retry) are completed afterwards through the writer; should that fail, the job is left to
   * pg-boss' expiry, and a worker that fetches it again settles it the same way.
   */
  async function take(queue: DispatchQueue, want: number, slots: readonly number[]): Promise<number> {
    const fetch = await fetchStatementOf(queue.name);
    const { jobs, claims } = await fetchAndClaim(ctx.db, queue.name, fetch, want).catch((error: unknown) => {
      // The statement pins the queue's table and pg-boss' schema as they were when it was captured: after
      // anything but a lost connection (a queue created again, a pg-boss migration) it is captured afresh.
      if (!isConnectionLost(error)) fetchStatements.delete(queue.name);
      throw error;
    });
    const claimed = new Map(claims.map((claim) => [claim.job.jobId, claim]));
    const unclaimed = jobs.filter((job) => !claimed.has(job.jobId));
    if (unclaimed.length > 0) {
      void writer
        .run((tx) =>
          ctx.boss.complete(
            queue.name,
            unclaimed.map((job) => ({ id: job.jobId, retryCount: job.retryCount })),
            null,
            { db: bossTx(tx) },
          ),
        )
        .catch((error: unknown) =>
          logger.warn({ err: error, queue: queue.name }, 'settling unclaimed jobs failed'),
        );
    }
    jobs.forEach((job, i) => {
      const dispatched: DispatchedJob = { queue, job, slot: slots[i] ?? null };
      const claim = claimed.get(job.jobId);
      if (claim) startTask(claim, dispatched);
      else void releaseSlot(dispatched);
    });
    return jobs.length;
  }

  function startTask(claim: ClaimedTask, dispatched: DispatchedJob): void {
    const task: RunningTask = {
      claim,
      dispatched,
      execution: undefined,
      reason: undefined,
      timers: [],
      done: Promise.resolve(),
      capacityFreed: false,
    };
    running.set(claim.taskId, task);
    task.done = runTask(task)
      // runTask records every expected failure as the attempt's outcome; anything else is a bug to log,
      // never an unhandled rejection that takes the process (and every other running task) down.
      .catch((error: unknown) => logger.error({ err: error, taskId: claim.taskId }, 'running a task failed'))
      .finally(async () => {
        for (const timer of task.timers) clearTimeout(timer);
        running.delete(claim.taskId);
        await releaseSlot(dispatched, task.capacityFreed);
      });
  }

  async function runTask(task: RunningTask): Promise<void> {
    const { claim } = task;
    const workflow = ctx.catalog.get(claim.workflow);
    const executor = workflow?.inline ? inline : threads;
    const execution = executor.start(
      {
        taskId: claim.taskId,
        owner: claim.owner,
        workflow: claim.workflow,
        params: claim.params,
        attempt: claim.attempt,
        checkpoint: claim.checkpoint,
        dependencyResults: claim.dependencyResults,
      },
      {
        onProgress: (report) =>
          progress.report(claim, {
            progress: Math.round(report.percent * 10) / 10,
            step: report.step,
            message: report.message,
            etaSeconds: report.etaSeconds,
          }),
        onLog: (level, message, data) => progress.log(claim, level, message, data),
        onCheckpoint: async (checkpoint) => {
          await checkpoints.add({ claim, checkpoint });
          claim.checkpoint = checkpoint;
        },
      },
    );
    task.execution = execution;
    if (task.reason) abortTask(claim.taskId, task.reason);
    task.timers.push(setTimeout(() => abortTask(claim.taskId, 'timeout'), claim.timeoutSeconds * 1000));
    const result = await execution.result;
    // The run is over: its local slot may take the next job while the outcome commits, so the next fetch
    // and claim overlap this batch's outcome write. A slot of a cluster-wide concurrency limit is only
    // given back after the outcome (the task counts as running until then).
    if (task.dispatched.slot === null) {
      task.capacityFreed = true;
      dispatcher.release();
    }
    const outcome = decideOutcome(claim, result, task.reason);
    await progress.settle(claim, { completed: outcome?.kind === 'completed' });
    if (!outcome) return;
    await outcomes.add(outcome).catch((error: unknown) => {
      // Left active without a heartbeat, the job is retried by pg-boss; the checkpoint keeps the work done.
      logger.error({ err: error, taskId: claim.taskId }, 'storing the outcome of a task failed');
    });
  }

  function abortTask(taskId: string, reason: AbortReason): void {
    const task = running.get(taskId);
    if (!task) return;
    task.reason ??= reason;
    const execution = task.execution;
    if (!execution) return;
    execution.abort(task.reason);
    task.timers.push(setTimeout(() => execution.terminate(), abortGraceMs));
  }

  // Heartbeats: pg-boss fails a job whose heartbeat is older than heartbeatSeconds (a killed worker), so
  // refresh every half of it; a job that is no longer ours (expired, retried elsewhere) aborts its run.
  // One beat at a time: during a database outage a beat waits on the writer's retries, and beats must not
  // pile up behind it.
  let beating = false;
  const heartbeat = setInterval(
    () => {
      if (beating) return;
      beating = true;
      void beat()
        .catch((error: unknown) => logger.warn({ err: error }, 'heartbeat failed'))
        .finally(() => {
          beating = false;
        });
    },
    (ctx.tuning.heartbeatSeconds * 1000) / 2,
  );
  async function beat(): Promise<void> {
    const byQueue = new Map<string, RunningTask[]>();
    for (const task of running.values()) {
      const list = byQueue.get(task.claim.job.queue) ?? [];
      list.push(task);
      byQueue.set(task.claim.job.queue, list);
    }
    for (const [queue, tasks] of byQueue) {
      // Through the writer: its batches settle job rows of this process, and a heartbeat of several jobs
      // beside them took the same rows in another order (deadlock).
      const response = await writer.run((tx) =>
        ctx.boss.touch(
          queue,
          tasks.map((task) => ({ id: task.claim.job.jobId, retryCount: task.claim.job.retryCount })),
          { db: bossTx(tx) },
        ),
      );
      const settled = (response as { settled?: string[] }).settled;
      if (!settled) continue;
      const alive = new Set(settled);
      for (const task of tasks) {
        if (!alive.has(task.claim.job.jobId) && running.has(task.claim.taskId))
          abortTask(task.claim.taskId, 'lost');
      }
    }
  }

  const unsubscribe = [
    bus.onQueueNotify((queue) => dispatcher.notify(queue)),
    bus.onCancel((taskId) => abortTask(taskId, 'cancel')),
    bus.onReconnect(() => dispatcher.markAllDirty()),
  ];
  // Wake-ups and cancels are heard before the first task is fetched.
  try {
    await Promise.all([bus.listening('queues'), bus.listening('cancel')]);
  } catch (error) {
    for (const off of unsubscribe) off();
    clearInterval(heartbeat);
    await Promise.allSettled([threads.close(), gate.close()]);
    throw error;
  }
  dispatcher.start();
  logger.info({ concurrency: options.concurrency }, 'worker started');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // Also waits for a fetch in flight: every fetched job is then running or settled.
      await dispatcher.stop();
      const graceMs = (options.shutdownGraceSeconds ?? 30) * 1000;
      const allDone = () => Promise.all([...running.values()].map((task) => task.done));
      let graceTimer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'grace'>((resolve) => {
        graceTimer = setTimeout(() => resolve('grace'), graceMs);
      });
      if ((await Promise.race([allDone(), graceOver])) === 'grace') {
        logger.warn({ running: running.size }, 'shutdown grace over: aborting running tasks to requeue them');
        for (const taskId of [...running.keys()]) abortTask(taskId, 'shutdown');
      }
      await allDone();
      // Only now: running tasks still honour cancels during the grace period.
      for (const off of unsubscribe) off();
      clearTimeout(graceTimer);
      clearInterval(heartbeat);
      await writer.idle();
      await threads.close();
      await gate.close();
      logger.info('worker stopped');
    })();
    return stopping;
  };

  return {
    get active() {
      return running.size;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
