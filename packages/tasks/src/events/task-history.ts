import type { TaskEvent, TaskStatus } from '@kaygraph/contracts';
import type { Executor } from '../db.ts';
import { readTaskHistory } from '../store/events.ts';
import { toTaskEvent } from './task-event.ts';

/** What a stream needs of a task, read in one snapshot: who may see it, its state, its events after a seq. */
export interface TaskHistory {
  owner: string;
  status: TaskStatus;
  lastSeq: number;
  /** Stored events after the seq asked for, in order. Shared between readers: never mutate them. */
  events: TaskEvent[];
}

async function readHistory(
  executor: Executor,
  taskId: string,
  afterSeq: number,
): Promise<TaskHistory | null> {
  const history = await readTaskHistory(executor, taskId, afterSeq);
  if (!history) return null;
  return { ...history, events: history.events.map(toTaskEvent) };
}

interface Waiter {
  afterSeq: number;
  resolve(history: TaskHistory | null): void;
  reject(error: unknown): void;
}

/**
 * Reads of task histories for streams, coalesced per task: while a read of a task is in flight, every
 * request for that task waits for the NEXT read (from the smallest seq asked for), which starts when the
 * current one is done. A request therefore never gets a snapshot older than itself, so a subscriber that
 * subscribed to the live bus before asking still misses nothing; and a thousand subscribers joining one task
 * at once cost a few statements instead of a thousand.
 */
export class TaskHistoryReader {
  readonly #executor: Executor;
  /** Tasks with a read in flight, and who waits for the next one. */
  readonly #next = new Map<string, Waiter[]>();

  constructor(executor: Executor) {
    this.#executor = executor;
  }

  /** The task and its events after `afterSeq`; null when there is no such task. */
  read(taskId: string, afterSeq: number): Promise<TaskHistory | null> {
    return new Promise((resolve, reject) => {
      const waiter = { afterSeq, resolve, reject };
      const waiting = this.#next.get(taskId);
      if (waiting) {
        waiting.push(waiter);
        return;
      }
      this.#next.set(taskId, []);
      void this.#run(taskId, [waiter]);
    });
  }

  async #run(taskId: string, first: Waiter[]): Promise<void> {
    for (let batch = first; batch.length > 0; ) {
      const from = batch.reduce((min, waiter) => Math.min(min, waiter.afterSeq), Number.POSITIVE_INFINITY);
      try {
        const history = await readHistory(this.#executor, taskId, from);
        for (const waiter of batch) waiter.resolve(history && after(history, waiter.afterSeq, from));
      } catch (error) {
        for (const waiter of batch) waiter.reject(error);
      }
      batch = this.#next.get(taskId) ?? [];
      if (batch.length === 0) this.#next.delete(taskId);
      else this.#next.set(taskId, []);
    }
  }
}

function after(history: TaskHistory, afterSeq: number, readFrom: number): TaskHistory {
  if (afterSeq <= readFrom) return history;
  return { ...history, events: history.events.filter((event) => event.seq > afterSeq) };
}
