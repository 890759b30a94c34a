import type { TaskEvent, TaskSummary } from '@kaygraph/contracts';
import { foldTaskEvent, isTerminalStatus } from '@kaygraph/contracts';

/** How long finished tasks stay in memory: the charts show the last hour. */
export const FINISHED_RETENTION_MS = 60 * 60 * 1000;
/** A ceiling so a very busy cluster cannot grow the page without bound. */
export const MAX_FINISHED_TASKS = 5000;

/**
 * The dashboard's picture of every task it knows: seeded from `tasks.list` snapshots, then kept
 * current by the live feed. Events older than what a snapshot already shows are ignored, so the
 * order in which the snapshot and the feed arrive does not matter.
 */
export class TaskStore {
  readonly #tasks = new Map<string, TaskSummary>();
  readonly #listeners = new Set<() => void>();
  #version = 0;
  #statusVersion = 0;
  #notifyQueued = false;

  get version(): number {
    return this.#version;
  }

  /** Counts status changes seen live: what server-side aggregates (metrics) depend on. */
  get statusVersion(): number {
    return this.#statusVersion;
  }

  get(taskId: string): TaskSummary | undefined {
    return this.#tasks.get(taskId);
  }

  all(): TaskSummary[] {
    return [...this.#tasks.values()];
  }

  has(taskId: string): boolean {
    return this.#tasks.has(taskId);
  }

  /** Stores snapshots; an older snapshot never overwrites a newer picture of the same task. */
  upsert(summaries: readonly TaskSummary[]): void {
    for (const summary of summaries) {
      const known = this.#tasks.get(summary.task_id);
      if (known && Date.parse(known.updated_at) > Date.parse(summary.updated_at)) continue;
      this.#tasks.set(summary.task_id, summary);
    }
    this.#changed();
  }

  /** Applies a live event; returns false when the task is unknown (the caller fetches it). */
  apply(event: TaskEvent): boolean {
    if (event.type === 'status') this.#statusVersion += 1;
    const known = this.#tasks.get(event.task_id);
    if (!known) return false;
    if (Date.parse(event.at) < Date.parse(known.updated_at)) return true;
    const next = applyEvent(known, event);
    if (next !== known) {
      this.#tasks.set(event.task_id, next);
      this.#changed();
    }
    return true;
  }

  /**
   * Forgets tasks that no longer exist (removed): no event says so. Their child tasks, at any depth, went
   * with them (removal takes a task's children), though the api's answer does not list them.
   */
  forget(taskIds: readonly string[]): void {
    const gone = new Set(taskIds);
    for (const taskId of gone) this.#tasks.delete(taskId);
    // Parents come before children in no particular order: sweep until a pass forgets none.
    for (let forgot = true; forgot; ) {
      forgot = false;
      for (const task of this.#tasks.values()) {
        if (task.parent_task_id === null || !gone.has(task.parent_task_id)) continue;
        gone.add(task.task_id);
        this.#tasks.delete(task.task_id);
        forgot = true;
      }
    }
    this.#changed();
  }

  /** Forgets finished tasks that left the chart window, oldest first beyond the ceiling. */
  prune(now: number): void {
    const finished: TaskSummary[] = [];
    for (const task of this.#tasks.values()) {
      if (!isTerminalStatus(task.status)) continue;
      const finishedAt = Date.parse(task.completed_at ?? task.updated_at);
      if (now - finishedAt > FINISHED_RETENTION_MS) this.#tasks.delete(task.task_id);
      else finished.push(task);
    }
    if (finished.length > MAX_FINISHED_TASKS) {
      finished.sort((a, b) => Date.parse(a.updated_at) - Date.parse(b.updated_at));
      for (const task of finished.slice(0, finished.length - MAX_FINISHED_TASKS)) {
        this.#tasks.delete(task.task_id);
      }
    }
    this.#changed();
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // Feeds can deliver hundreds of events per second: listeners hear once per burst.
  #changed(): void {
    this.#version += 1;
    if (this.#notifyQueued) return;
    this.#notifyQueued = true;
    queueMicrotask(() => {
      this.#notifyQueued = false;
      for (const listener of this.#listeners) listener();
    });
  }
}

/**
 * The summary after one event (the fold every live view shares), with the times only summaries carry;
 * the same object when the event changes nothing shown.
 */
export function applyEvent<T extends TaskSummary>(task: T, event: TaskEvent): T {
  const next = foldTaskEvent(task, event);
  if (next === task) return task;
  if (event.type !== 'status') return { ...next, updated_at: event.at };
  const terminal = isTerminalStatus(event.status);
  // A finished task that moves again was retried or redriven: its new run starts the clock, as on the api.
  const startedAt = isTerminalStatus(task.status) && !terminal ? null : task.started_at;
  return {
    ...next,
    started_at: event.status === 'running' ? (startedAt ?? event.at) : startedAt,
    completed_at: terminal ? event.at : null,
    updated_at: event.at,
  };
}
