import type { StatusEvent, TaskEvent, TaskView } from '@kaygraph/contracts';
import { isTerminalStatus, taskNeedsARun } from '@kaygraph/contracts';
import type { DashboardApi, Unsubscribe } from './api.ts';

export interface TaskFollowerListener {
  onEvent(event: TaskEvent): void;
  /**
   * The task as `tasks.get` answers: at start, when a run starts, when the task comes to need a run again
   * (requeued, scheduled, blocked) and after every terminal status.
   */
  onTask(view: TaskView): void;
  /** `read`: a `tasks.get` that failed (retried by itself); `stream`: following ended with an error. */
  onError(error: unknown, source: 'read' | 'stream'): void;
}

/** The first wait before a failed read is tried again; it doubles up to the most. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;

/**
 * One task's whole history and live state. `tasks.events` ends with a terminal status, but a task
 * can run again (retry, redrive): so after each end the task is read, and when it has moved on
 * since the last status seen, following resumes after the last seq. `nudge()` does the same when
 * the page learns of a change some other way (the feed). A read that failed for want of the api or its
 * database (network, 5xx) is tried again, at once when an event shows the api answers, else after a
 * growing delay; a 4xx (unknown task, no key) is an answer and is not.
 */
export class TaskFollower {
  readonly #api: DashboardApi;
  readonly #taskId: string;
  readonly #listener: TaskFollowerListener;
  #lastSeq = 0;
  #lastStatus: StatusEvent | null = null;
  #unsubscribe: Unsubscribe | null = null;
  #stopped = false;
  /** A failed read waiting to be tried again, with what was to follow it. */
  #retry: { timer: ReturnType<typeof setTimeout>; then: ((view: TaskView) => void) | undefined } | null =
    null;
  #retryDelay = RETRY_FIRST_MS;
  /** The latest run the events told of, and the attempt of the last task read (its run time is the server's). */
  #runningAttempt = 0;
  #readAttempt = 0;
  #reading = false;
  #rereadFor = 0;
  /** A status change came while a read was on its way: the read may predate it, so read once more. */
  #rereadForStatus = false;

  constructor(api: DashboardApi, taskId: string, listener: TaskFollowerListener) {
    this.#api = api;
    this.#taskId = taskId;
    this.#listener = listener;
  }

  start(): void {
    this.#load();
    this.#follow();
  }

  /** Something changed (a newer state in the feed, an action on this page): catch up if idle. */
  nudge(): void {
    if (!this.#unsubscribe && !this.#stopped) this.#follow();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#retry) clearTimeout(this.#retry.timer);
    this.#retry = null;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }

  #follow(): void {
    let delivered = 0;
    this.#unsubscribe = this.#api.taskEvents(this.#taskId, this.#lastSeq > 0 ? this.#lastSeq : null, {
      onData: (event) => {
        if (this.#stopped || event.seq <= this.#lastSeq) return;
        this.#lastSeq = event.seq;
        delivered += 1;
        const before = this.#lastStatus?.status;
        if (event.type === 'status') this.#lastStatus = event;
        this.#listener.onEvent(event);
        // Now it needs a run again (its worker died, a wait ended ...): its version_state, null while it
        // ran, says again whether a live worker runs its version (the page's "no live worker" notice).
        // (The first status seen is the replay's, which the read at start covers.)
        const moved = event.type === 'status' && before !== undefined && event.status !== before;
        if (moved && taskNeedsARun(event.status)) {
          if (this.#reading) this.#rereadForStatus = true;
          else this.#load();
        }
        // A run began since the last read: read the task for its run time, as the server counts it.
        if (event.type === 'status' && event.status === 'running') {
          this.#runningAttempt = Math.max(this.#runningAttempt, event.attempt);
          if (!this.#reading && event.attempt > this.#readAttempt) this.#load();
        }
        // The api answers again: the read that failed need not wait for its timer.
        if (this.#retry) this.#load(this.#retry.then);
      },
      onComplete: () => {
        this.#unsubscribe = null;
        // Result, metrics and artifacts are on the task itself, written with the final status.
        this.#load((view) => {
          if (delivered > 0 && this.#movedOn(view)) this.#follow();
        });
      },
      onError: (error) => {
        this.#unsubscribe = null;
        if (!this.#stopped) this.#listener.onError(error, 'stream');
      },
    });
  }

  #movedOn(view: TaskView): boolean {
    const last = this.#lastStatus;
    if (!last) return !isTerminalStatus(view.status);
    return view.status !== last.status || view.attempt !== last.attempt;
  }

  #load(then?: (view: TaskView) => void): void {
    if (this.#retry) clearTimeout(this.#retry.timer);
    this.#retry = null;
    this.#reading = true;
    this.#api.getTask(this.#taskId).then(
      (view) => {
        this.#reading = false;
        if (this.#stopped) return;
        this.#retryDelay = RETRY_FIRST_MS;
        this.#readAttempt = Math.max(this.#readAttempt, view.attempt);
        this.#listener.onTask(view);
        then?.(view);
        if (this.#rereadForStatus) {
          this.#rereadForStatus = false;
          this.#load();
        }
        // A run's start arrived while this read was on its way: once more for that run (once: no loop).
        else if (this.#runningAttempt > this.#readAttempt && this.#rereadFor !== this.#runningAttempt) {
          this.#rereadFor = this.#runningAttempt;
          this.#load();
        }
      },
      (error: unknown) => {
        this.#reading = false;
        if (this.#stopped) return;
        this.#listener.onError(error, 'read');
        const { status } = this.#api.describeError(error);
        if (status !== null && status < 500) return;
        // A newer read may have been started meanwhile (an event): it carries on instead.
        if (this.#retry) return;
        this.#retry = { timer: setTimeout(() => this.#load(then), this.#retryDelay), then };
        this.#retryDelay = Math.min(this.#retryDelay * 2, RETRY_MAX_MS);
      },
    );
  }
}
