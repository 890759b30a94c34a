import type { Database } from '@kaygraph/db';
import type { Logger } from 'pino';
import { isStorageRefusal } from '../database-errors.ts';
import { retryWhileDatabaseAway } from '../retry-while-database-away.ts';
import type { Attempt } from '../store/claim.ts';
import type { NewTaskEvent } from '../store/events.ts';
import { type AttemptReport, type ProgressState, writeReports } from '../store/progress.ts';
import { runTransaction } from '../transaction.ts';
import { boundedLogLine, boundedProgress } from './report-bounds.ts';
import { SerialWrites } from './serial-writes.ts';

/** At most one progress row per task per this many milliseconds (about 10/s), after the first. */
const PROGRESS_INTERVAL_MS = 100;
/** Log lines kept per task per interval; the rest are counted in one warning line. */
const LOGS_PER_INTERVAL = 50;

interface TaskState {
  attempt: Attempt;
  progress: ProgressState | undefined;
  logs: Omit<NewTaskEvent, 'taskId'>[];
  /** How many of `logs` came before `progress`: the write keeps that order. */
  progressAt: number;
  droppedLogs: number;
  /** When the last write was taken (performance.now()); -Infinity before the first. */
  lastWrite: number;
  timer: NodeJS.Timeout | undefined;
  /** Waits in the reporter's list of writes due on the next turn (`#due`), instead of a timer of its own. */
  due: boolean;
  /** The task's last write (undefined: none yet): its outcome must commit after it (events in seq order). */
  inflight: Promise<void> | undefined;
}

/**
 * Coalesces progress per task: a task's first report is written on the next turn of the event loop; later
 * ones at most once per interval (the latest of the interval wins). Logs ride along. `settle` writes what
 * is pending before the outcome; a task that completes drops its pending progress instead (its
 * `completed` event carries progress 100). Text comes in cut to the contract's limits (report-bounds.ts).
 */
export class ProgressReporter {
  readonly #tasks = new Map<string, TaskState>();
  /** Attempts already settled: a report that arrives after its outcome (another port) is dropped. */
  readonly #settled = new WeakSet<Attempt>();
  readonly #writes: SerialWrites<AttemptReport>;
  readonly #logger: Logger;
  /**
   * Tasks whose write is due on the next turn (a first report, or one after a quiet interval), written by one
   * timer: most runs report at once, and a timer per task is garbage for every one of them.
   */
  #due: TaskState[] = [];
  #dueTimer: NodeJS.Timeout | undefined;

  /** Writes wait out a lost connection or a timeout (reports of the wait coalesce) until `signal` aborts. */
  constructor(db: Database, logger: Logger, signal?: AbortSignal) {
    this.#logger = logger;
    this.#writes = new SerialWrites<AttemptReport>(
      (reports) =>
        retryWhileDatabaseAway(
          () => runTransaction(db, (tx) => writeReports(tx, mergeReports(reports))),
          signal,
        ),
      // A report the database refuses (a message holding NUL) is lost alone, not with the others merged with it.
      { retryAlone: isStorageRefusal },
    );
  }

  #state(attempt: Attempt): TaskState {
    let state = this.#tasks.get(attempt.taskId);
    if (!state) {
      state = {
        attempt,
        progress: undefined,
        logs: [],
        progressAt: 0,
        droppedLogs: 0,
        lastWrite: Number.NEGATIVE_INFINITY,
        timer: undefined,
        due: false,
        inflight: undefined,
      };
      this.#tasks.set(attempt.taskId, state);
    }
    return state;
  }

  report(attempt: Attempt, progress: ProgressState): void {
    if (this.#settled.has(attempt)) return;
    const state = this.#state(attempt);
    state.progress = boundedProgress(progress);
    state.progressAt = state.logs.length;
    this.#schedule(state);
  }

  log(attempt: Attempt, level: string, message: string, data?: unknown): void {
    if (this.#settled.has(attempt)) return;
    const state = this.#state(attempt);
    if (state.logs.length >= LOGS_PER_INTERVAL) state.droppedLogs++;
    else state.logs.push({ type: 'log', payload: boundedLogLine(level, message, data) });
    this.#schedule(state);
  }

  #schedule(state: TaskState): void {
    if (state.timer || state.due) return;
    const wait = state.lastWrite + PROGRESS_INTERVAL_MS - performance.now();
    if (wait <= 0) {
      state.due = true;
      this.#due.push(state);
      this.#dueTimer ??= setTimeout(() => this.#flushDue(), 0);
      return;
    }
    state.timer = setTimeout(() => {
      state.timer = undefined;
      void this.#flush(state);
    }, wait);
  }

  #flushDue(): void {
    const due = this.#due;
    this.#due = [];
    this.#dueTimer = undefined;
    for (const state of due) {
      // Settled meanwhile: its settle wrote it (or dropped it) already.
      if (!state.due) continue;
      state.due = false;
      void this.#flush(state);
    }
  }

  #take(state: TaskState): AttemptReport {
    const events: Omit<NewTaskEvent, 'taskId'>[] = [];
    const progress = state.progress ?? null;
    // The latest report stands where it was made among the logs: a line logged before it is not shown after it.
    events.push(...state.logs.slice(0, state.progressAt));
    if (progress) events.push({ type: 'progress', payload: { ...progress } });
    events.push(...state.logs.slice(state.progressAt));
    if (state.droppedLogs > 0) {
      events.push({
        type: 'log',
        payload: { level: 'warn', message: `${state.droppedLogs} log lines dropped (rate limit)` },
      });
    }
    state.progress = undefined;
    state.logs = [];
    state.progressAt = 0;
    state.droppedLogs = 0;
    state.lastWrite = performance.now();
    return { attempt: state.attempt, progress, events };
  }

  #flush(state: TaskState): Promise<void> | undefined {
    // Nothing pending (a completed run's last progress is dropped): no report to build.
    if (state.progress === undefined && state.logs.length === 0 && state.droppedLogs === 0) {
      return state.inflight;
    }
    const report = this.#take(state);
    const write = this.#writes.add(report).catch((error: unknown) => {
      this.#logger.warn(
        { err: error, task_id: state.attempt.taskId, attempt: state.attempt.attempt },
        'progress write failed',
      );
    });
    state.inflight = state.inflight ? state.inflight.then(() => write) : write;
    return state.inflight;
  }

  /**
   * Writes what is pending for the attempt and forgets it. A completed attempt's pending progress is not
   * written (its `completed` event carries progress 100): it is returned, so the outcome can store the
   * step and message the run ended on.
   */
  async settle(attempt: Attempt, options: { completed: boolean }): Promise<ProgressState | undefined> {
    this.#settled.add(attempt);
    const state = this.#tasks.get(attempt.taskId);
    if (!state) return undefined;
    this.#tasks.delete(attempt.taskId);
    if (state.timer) clearTimeout(state.timer);
    state.timer = undefined;
    state.due = false;
    const unwritten = options.completed ? state.progress : undefined;
    if (options.completed) state.progress = undefined;
    // Also waits for a write the timer started earlier.
    await this.#flush(state);
    return unwritten;
  }
}

/** Reports merged while a write was in flight: one per attempt, events in report order, latest progress. */
function mergeReports(reports: readonly AttemptReport[]): AttemptReport[] {
  const byTask = new Map<string, AttemptReport>();
  for (const report of reports) {
    const earlier = byTask.get(report.attempt.taskId);
    byTask.set(
      report.attempt.taskId,
      earlier && earlier.attempt === report.attempt
        ? {
            attempt: report.attempt,
            progress: report.progress ?? earlier.progress,
            events: [...earlier.events, ...report.events],
          }
        : report,
    );
  }
  return [...byTask.values()];
}
