import type { StoredCheckpoint } from '../attempt-data.ts';
import type { WorkflowCatalog } from '../catalog.ts';
import type { TaskContext } from '../context.ts';
import { isDatabaseAway, isStorageRefusal, refusalReason } from '../database-errors.ts';
import type { Attempt } from '../store/claim.ts';
import { type AbortReason, decideOutcome } from './attempt-outcome.ts';
import { CheckpointRefusedError } from './checkpoint-refused.ts';
import type { DispatchedJob } from './dispatcher.ts';
import {
  type Execution,
  type ExecutionResult,
  type InlineExecutor,
  runsInline,
  type ThreadExecutor,
} from './executors.ts';
import { planWait } from './plan-wait.ts';
import type { PlannedOutcome } from './planned-outcome.ts';
import { refusedOutcome } from './refused-outcome.ts';
import { logRunEnded, logRunStarted, type RunLog } from './run-log.ts';
import type { RunWrites } from './run-writes.ts';
import type { SlotRelease } from './slot-release.ts';

/** An outcome stored, with the tasks whose attempt still owned them (the others' outcomes were dropped). */
interface Stored {
  outcome: PlannedOutcome;
  owned: ReadonlySet<string>;
}

interface RunningTask {
  attempt: Attempt;
  /** Lines about this run: task id, workflow, attempt and this worker's id in each. */
  log: RunLog;
  /** The attempt's last saved checkpoint (the metrics of a run that had to be terminated). */
  checkpoint: StoredCheckpoint | null;
  dispatched: DispatchedJob;
  execution: Execution | undefined;
  reason: AbortReason | undefined;
  /** The node the run was in when its abort arrived; undefined: the run has not said (yet). */
  abortedIn: string | null | undefined;
  timers: NodeJS.Timeout[];
  done: Promise<void>;
  /** The run ended and its local slot went back to the dispatcher before its outcome committed. */
  capacityFreed: boolean;
}

export interface TaskRunsOptions {
  ctx: TaskContext;
  catalog: WorkflowCatalog;
  /** The version this worker serves of each of its workflows, by name (what it registered). */
  servedVersions: ReadonlyMap<string, string>;
  threads: ThreadExecutor;
  inline: InlineExecutor;
  writes: RunWrites;
  /** How long an aborted run may take to reach its next node before its execution is terminated. */
  abortGraceMs: number;
  /** Largest result a run may complete with, as JSON bytes (MAX_RESULT_BYTES). */
  maxResultBytes: number;
  releaseSlot: SlotRelease;
  /** Gives the dispatcher back a local slot (a run ended; its outcome still commits). */
  freeCapacity(): void;
}

/**
 * The runs of a worker: each claimed attempt from its execution (thread or inline, with progress, logs and
 * a checkpoint after every node) to its outcome, and its abort (cancel, timeout, lost, shutdown).
 */
export class TaskRuns {
  readonly #options: TaskRunsOptions;
  readonly #running = new Map<string, RunningTask>();
  // Set by stopNow: runs are terminated at once instead of given the abort grace.
  #stoppingNow = false;

  constructor(options: TaskRunsOptions) {
    this.#options = options;
  }

  /** Runs now. */
  get size(): number {
    return this.#running.size;
  }

  get stoppingNow(): boolean {
    return this.#stoppingNow;
  }

  /** The attempts running now (what the worker's beat reports). */
  attempts(): Attempt[] {
    return [...this.#running.values()].map((task) => task.attempt);
  }

  /** Whether `attempt` is the one running for its task (not one that ended, nor an older attempt). */
  isCurrent(attempt: Attempt): boolean {
    return this.#running.get(attempt.taskId)?.attempt === attempt;
  }

  /** Settles once every run now running has ended (its outcome written, its slots given back). */
  allDone(): Promise<unknown> {
    return Promise.all([...this.#running.values()].map((task) => task.done));
  }

  /** Aborts every run for the shutdown; stopping now, they are terminated at once (see `stopNow`). */
  abortAll(): void {
    for (const taskId of [...this.#running.keys()]) this.abort(taskId, 'shutdown');
  }

  /** From now on runs get no grace: the running ones are terminated at once, later claims are aborted. */
  stopNow(): void {
    this.#stoppingNow = true;
    this.abortAll();
  }

  start(attempt: Attempt, dispatched: DispatchedJob, log: RunLog): void {
    const task: RunningTask = {
      attempt,
      log,
      checkpoint: attempt.checkpoint,
      dispatched,
      execution: undefined,
      reason: undefined,
      abortedIn: undefined,
      timers: [],
      done: Promise.resolve(),
      capacityFreed: false,
    };
    this.#running.set(attempt.taskId, task);
    logRunStarted(log, attempt);
    task.done = this.#run(task);
  }

  abort(taskId: string, reason: AbortReason): void {
    const task = this.#running.get(taskId);
    if (!task) return;
    task.reason ??= reason;
    const execution = task.execution;
    if (!execution) return;
    execution.abort(task.reason);
    // Stopping now, a run gets no grace to reach its next node: it is released as it is.
    if (this.#stoppingNow) execution.terminate();
    else task.timers.push(setTimeout(() => execution.terminate(), this.#options.abortGraceMs));
  }

  /**
   * The run, its outcome stored, then its slots back; a failure of the run or of its outcome's write is
   * logged, not thrown. One async frame from the claim to the
   * outcome's commit: a drain holds a thousand of these at once, waiting for the writer, and each frame and
   * promise more per task is what the young generation copies.
   */
  async #run(task: RunningTask): Promise<void> {
    const { ctx, catalog, writes } = this.#options;
    const { attempt, log } = task;
    try {
      const startedAt = performance.now();
      const result = await this.#execute(task);
      // The run is over: what only a running run needs (its execution, its timers) is let go now, so an
      // outcome waiting for the writer keeps its attempt and outcome alive, not the whole run.
      task.execution = undefined;
      for (const timer of task.timers) clearTimeout(timer);
      task.timers.length = 0;
      // The run's local slot may take the next job while the outcome commits. A slot of a cluster-wide
      // concurrency limit is only given back after the outcome (the task runs until then).
      if (task.dispatched.slot === null) {
        task.capacityFreed = true;
        this.#options.freeCapacity();
      }
      const decided = await decideOutcome(
        attempt,
        result,
        task.reason,
        // A run that never answered its abort (its thread's event loop held by a node): the top-level node
        // after its last checkpoint is the one it was in. Null: it answered, between nodes.
        task.abortedIn === undefined ? (task.checkpoint?.nextNodeId ?? null) : task.abortedIn,
        task.checkpoint,
        (run) => planWait(ctx, catalog, this.#options.servedVersions, attempt, run),
        this.#options.maxResultBytes,
      );
      const unwritten = await writes.progress.settle(attempt, { completed: decided?.kind === 'completed' });
      const seconds = (performance.now() - startedAt) / 1000;
      if (!decided) {
        logRunEnded(log, decided, seconds);
      } else {
        const outcome =
          decided.kind === 'completed' && unwritten
            ? { ...decided, endedOn: { step: unwritten.step, message: unwritten.message } }
            : decided;
        let stored: PlannedOutcome = outcome;
        let owned: ReadonlySet<string> | undefined;
        try {
          owned = await writes.outcomes.add(outcome);
        } catch (error) {
          const refused = await this.#storeRefused(outcome, error, log);
          if (refused) ({ outcome: stored, owned } = refused);
        }
        // An attempt that no longer owns its task (its lease lapsed, the task was taken back) writes nothing.
        // A cancelled run (`abandoned`) writes no task row: it never shows as owned.
        if (owned) {
          const ownedIt = stored.kind === 'abandoned' || owned.has(attempt.taskId);
          logRunEnded(log, ownedIt ? stored : undefined, seconds);
        }
      }
    } catch (error) {
      // Every expected failure is recorded as the attempt's outcome; anything else is a bug to log, never an
      // unhandled rejection that takes the process (and every other running task) down.
      log.logger.error({ err: error }, 'running a task failed');
    }
    for (const timer of task.timers) clearTimeout(timer);
    this.#running.delete(attempt.taskId);
    await this.#options.releaseSlot(task.dispatched, true, task.capacityFreed);
  }

  /** Starts the attempt's run (in a thread or inline), with its timeout; resolves with how it ended. */
  #execute(task: RunningTask): Promise<ExecutionResult> {
    const { catalog, threads, inline, writes } = this.#options;
    const { progress, checkpoints } = writes;
    const { attempt, log } = task;
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
        onAbortedIn: (nodeId) => {
          // The first answer counts (null included: the run was between nodes).
          if (task.abortedIn === undefined) task.abortedIn = nodeId;
        },
        onReportFailed: (report, error) => {
          const lost = report === 'log' ? 'a log event' : 'a progress report';
          log.logger.warn({ report, error }, `${lost} of a running task could not be recorded`);
          progress.log(attempt, 'warn', `${lost} could not be recorded: ${error}`);
        },
        onCheckpoint: async (checkpoint) => {
          try {
            await checkpoints.add({ attempt, checkpoint });
          } catch (error) {
            // Refused for what it holds: the run fails saying why (not with the statement and the store).
            if (isStorageRefusal(error)) {
              const after = checkpoint.lastNodeId === null ? '' : ` after node "${checkpoint.lastNodeId}"`;
              throw new CheckpointRefusedError(
                `the checkpoint${after} could not be stored: ${refusalReason(error)}`,
              );
            }
            // Only a stop that gave up on the database gets here with the database away: the run is
            // released (requeued with its retries), never failed for it.
            if (isDatabaseAway(error)) this.abort(attempt.taskId, 'disconnected');
            throw error;
          }
          task.checkpoint = checkpoint;
        },
      },
    );
    task.execution = execution;
    // Claimed by a fetch that was in flight when the stop came.
    if (this.#stoppingNow) task.reason ??= 'shutdown';
    if (task.reason) this.abort(attempt.taskId, task.reason);
    task.timers.push(setTimeout(() => this.abort(attempt.taskId, 'timeout'), attempt.timeoutSeconds * 1000));
    return execution.result;
  }

  /**
   * `outcome` could not be stored. One PostgreSQL refuses for what it holds (a result over jsonb's limits,
   * text with NUL) is replaced by a failure saying so, so the task does not stay `running` for good.
   * Undefined: nothing was stored.
   */
  async #storeRefused(outcome: PlannedOutcome, error: unknown, log: RunLog): Promise<Stored | undefined> {
    const failed = isStorageRefusal(error) ? refusedOutcome(outcome, error) : undefined;
    if (!failed) {
      // The task stays running under this worker: once the worker stops beating, the liveness monitor
      // takes it back (the checkpoint keeps the work done).
      log.logger.error({ err: error }, 'storing the outcome of a task failed');
      return undefined;
    }
    log.logger.error({ err: error }, 'the database refused the outcome of a task: the task fails instead');
    try {
      return { outcome: failed, owned: await this.#options.writes.outcomes.add(failed) };
    } catch (again) {
      log.logger.error({ err: again }, 'storing the failure of a task whose outcome was refused failed');
      return undefined;
    }
  }
}
