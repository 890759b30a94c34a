import type { Logger } from 'pino';
import { retryWhileConnectionLost } from '../connection-lost.ts';
import { type LogWrite, type ProgressWrite, writeProgressAndLogs } from './progress-store.ts';
import { SerialWrites } from './serial-writes.ts';
import type { ClaimedTask } from './task-store.ts';
import type { TransactionBatcher } from './transaction-batcher.ts';

/** At most one progress row per task per this many milliseconds (about 10/s). */
const PROGRESS_INTERVAL_MS = 100;
/** Log lines kept per task per interval; the rest are counted in one warning line. */
const LOGS_PER_INTERVAL = 50;
/** How long a flush is tried again while the database cannot be reached (as the worker's writer does). */
const CONNECTION_PATIENCE_MS = 30_000;

interface TaskState {
  claim: ClaimedTask;
  progress: ProgressWrite | undefined;
  logs: LogWrite[];
  droppedLogs: number;
  lastWrite: number;
  timer: NodeJS.Timeout | undefined;
  /** The task's last write in flight: its outcome must commit after it (events in seq order). */
  inflight: Promise<void>;
}

type Flush = { claim: ClaimedTask; progress: ProgressWrite[]; logs: LogWrite[] };

/**
 * Coalesces progress per task: a report is written on the next turn of the event loop when the task's last
 * write is older than the interval, otherwise the latest report waits for the end of the interval (earlier
 * ones are superseded). The claim's `running` event counts as the task's first write, so reports of the
 * first interval wait for its end. Logs ride along with progress. `settle(task)` writes whatever is pending
 * before the final status; a task that completes drops its pending progress instead (its completion stands
 * for progress 100, and adds a `progress` 100 event when subscribers saw a lower one: see the claim's
 * `shownProgress`, which this keeps up to date), so a task that completes within its first interval writes no
 * progress rows at all: the common short task costs its claim and its outcome, whether it ran inline or in
 * a worker thread (where the result arrives turns after the last progress report).
 */
export class ProgressReporter {
  readonly #tasks = new Map<string, TaskState>();
  /**
   * Attempts already settled: a report that arrives after its run's outcome (a worker thread's messages
   * travel on their own port, not ordered with the result) is dropped, not kept as a new entry.
   */
  readonly #settled = new WeakSet<ClaimedTask>();
  readonly #writes: SerialWrites<Flush>;
  readonly #logger: Logger;

  /**
   * Progress bypasses the writer's transactions: one autocommit statement per flush (see progress-store.ts)
   * instead of BEGIN, statements and COMMIT, so a subscriber waits one round trip. Its ordering against the
   * task's outcome does not depend on the writer: `settle` waits for the task's last flush.
   */
  constructor(writer: TransactionBatcher, logger: Logger) {
    this.#logger = logger;
    const db = writer.database;
    this.#writes = new SerialWrites<Flush>((flushes) =>
      retryWhileConnectionLost(() => writeProgressAndLogs(db, flushes), CONNECTION_PATIENCE_MS),
    );
  }

  #state(claim: ClaimedTask): TaskState {
    let state = this.#tasks.get(claim.taskId);
    if (!state) {
      state = {
        claim,
        progress: undefined,
        logs: [],
        droppedLogs: 0,
        lastWrite: claim.claimedAt,
        timer: undefined,
        inflight: Promise.resolve(),
      };
      this.#tasks.set(claim.taskId, state);
    }
    return state;
  }

  report(claim: ClaimedTask, progress: Omit<ProgressWrite, 'claim'>): void {
    if (this.#settled.has(claim)) return;
    const state = this.#state(claim);
    state.progress = { claim, ...progress };
    claim.step = progress.step;
    claim.message = progress.message;
    this.#schedule(state);
  }

  log(claim: ClaimedTask, level: string, message: string, data?: unknown): void {
    if (this.#settled.has(claim)) return;
    const state = this.#state(claim);
    if (state.logs.length >= LOGS_PER_INTERVAL) state.droppedLogs++;
    else state.logs.push({ claim, level, message, ...(data === undefined ? {} : { data }) });
    this.#schedule(state);
  }

  #schedule(state: TaskState): void {
    if (state.timer) return;
    const wait = Math.max(0, state.lastWrite + PROGRESS_INTERVAL_MS - performance.now());
    state.timer = setTimeout(() => {
      state.timer = undefined;
      void this.#flush(state);
    }, wait);
  }

  #take(state: TaskState): Flush {
    const progress = state.progress ? [state.progress] : [];
    const logs = state.logs;
    if (state.droppedLogs > 0) {
      logs.push({
        claim: state.claim,
        level: 'warn',
        message: `${state.droppedLogs} log lines dropped (rate limit)`,
      });
    }
    state.progress = undefined;
    state.logs = [];
    state.droppedLogs = 0;
    state.lastWrite = performance.now();
    return { claim: state.claim, progress, logs };
  }

  #flush(state: TaskState): Promise<void> {
    const flush = this.#take(state);
    if (flush.progress.length === 0 && flush.logs.length === 0) return state.inflight;
    const stored = flush.progress.at(-1)?.progress;
    const write = this.#writes.add(flush).then(
      () => {
        if (stored !== undefined) state.claim.shownProgress = stored;
      },
      (error: unknown) => {
        this.#logger.warn({ err: error, taskId: state.claim.taskId }, 'progress write failed');
      },
    );
    state.inflight = state.inflight.then(() => write);
    return state.inflight;
  }

  /** Writes what is pending for the task (or drops its progress: `completed`) and forgets the task. */
  async settle(claim: ClaimedTask, options: { completed: boolean }): Promise<void> {
    this.#settled.add(claim);
    const state = this.#tasks.get(claim.taskId);
    if (!state) return;
    this.#tasks.delete(claim.taskId);
    if (state.timer) clearTimeout(state.timer);
    state.timer = undefined;
    if (options.completed) state.progress = undefined;
    // Also waits for a write the timer started earlier.
    await this.#flush(state);
  }
}
