import type { StatusEvent, TaskEvent, TaskView } from '@kaygraph/contracts';
import { isTerminalStatus } from '@kaygraph/contracts';
import type { DashboardApi, Unsubscribe } from './api.ts';

export interface TaskFollowerListener {
  onEvent(event: TaskEvent): void;
  /** The task as `tasks.get` answers: at start and after every terminal status. */
  onTask(view: TaskView): void;
  onError(error: unknown): void;
}

/**
 * One task's whole history and live state. `tasks.events` ends with a terminal status, but a task
 * can run again (retry, redrive): so after each end the task is read, and when it has moved on
 * since the last status seen, following resumes after the last seq. `nudge()` does the same when
 * the page learns of a change some other way (the feed).
 */
export class TaskFollower {
  readonly #api: DashboardApi;
  readonly #taskId: string;
  readonly #listener: TaskFollowerListener;
  #lastSeq = 0;
  #lastStatus: StatusEvent | null = null;
  #unsubscribe: Unsubscribe | null = null;
  #stopped = false;

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
        if (event.type === 'status') this.#lastStatus = event;
        this.#listener.onEvent(event);
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
        if (!this.#stopped) this.#listener.onError(error);
      },
    });
  }

  #movedOn(view: TaskView): boolean {
    const last = this.#lastStatus;
    if (!last) return !isTerminalStatus(view.status);
    return view.status !== last.status || view.attempt !== last.attempt;
  }

  #load(then?: (view: TaskView) => void): void {
    this.#api.getTask(this.#taskId).then(
      (view) => {
        if (this.#stopped) return;
        this.#listener.onTask(view);
        then?.(view);
      },
      (error: unknown) => {
        if (!this.#stopped) this.#listener.onError(error);
      },
    );
  }
}
