import type { Database } from '@kaygraph/db';
import type { Transaction } from '../db.ts';
import { retryWhileDatabaseAway } from '../retry-while-database-away.ts';
import { lockTasks } from '../store/control.ts';
import { runTransaction } from '../transaction.ts';

/** One unit of work: runs inside the shared transaction. */
export type BatchedWork<R> = (tx: Transaction) => Promise<R>;

/**
 * The task rows a unit of work will write, asked for before any work of the batch runs (called again for
 * a retry of the same work).
 */
export type TaskRowsOf = () => readonly string[];

interface Pending {
  work: BatchedWork<unknown>;
  taskRows: TaskRowsOf | undefined;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * The worker's single writer for outcomes. Work that arrives while a
 * transaction is in flight joins the next one, which runs the items one after another (each awaited) and
 * commits once. One writer per process means the runtime's own transactions never lock the same task rows
 * in different orders. Against other transactions each item locks its task rows in id order before it
 * touches job rows (the lock order, see `runTransaction`); a batch of several items locks all their rows
 * in id order first.
 * When a batch fails, each item is retried alone, so one bad item cannot fail the others.
 */
export class TransactionBatcher {
  readonly #db: Database;
  readonly #signal: AbortSignal | undefined;
  #pending: Pending[] = [];
  #running: Promise<void> | undefined;

  /**
   * A batch is run again for as long as the database cannot answer (an outage, a restart, a statement timed
   * out behind a lock), so outcomes wait it out instead of failing attempts; `signal` ends the waiting (the
   * runtime's stop).
   */
  constructor(db: Database, options: { signal?: AbortSignal } = {}) {
    this.#db = db;
    this.#signal = options.signal;
  }

  run<R>(work: BatchedWork<R>, taskRows?: TaskRowsOf): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#pending.push({ work, taskRows, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#running) this.#running = this.#drain();
    });
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      try {
        const results = await retryWhileDatabaseAway(() => this.#commit(batch), this.#signal);
        batch.forEach((item, i) => {
          item.resolve(results[i]);
        });
      } catch (error) {
        if (batch.length === 1) {
          batch[0]?.reject(error);
          continue;
        }
        for (const item of batch) {
          await this.#commit([item]).then(
            ([result]) => item.resolve(result),
            (alone: unknown) => item.reject(alone),
          );
        }
      }
    }
    this.#running = undefined;
  }

  #commit(batch: Pending[]): Promise<unknown[]> {
    return runTransaction(this.#db, async (tx) => {
      // Each item locks its own rows in id order; items of several kinds together lock all first.
      if (batch.length > 1) {
        const rows = [...new Set(batch.flatMap((item) => item.taskRows?.() ?? []))].sort();
        if (rows.length > 1) await lockTasks(tx, rows);
      }
      const results: unknown[] = [];
      for (const item of batch) results.push(await item.work(tx));
      return results;
    });
  }

  /** Resolves when nothing is pending or in flight. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }
}

interface Entry<T, R> {
  item: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Merges items of one kind (outcomes, checkpoints) into a single work item of the
 * writer, so a batch runs one statement for all of them instead of one per item. Items added while the
 * merged work waits for its turn join it; once it runs, later items start the next one. When the merged
 * work fails, each item is written again alone, so only a bad item fails. Each `add` resolves with what the
 * write of its items returned (`R`: for outcomes, the tasks still owned).
 */
export class CoalescedWrites<T, R = void> {
  readonly #writer: TransactionBatcher;
  readonly #apply: (tx: Transaction, items: T[]) => Promise<R>;
  readonly #taskRowsOf: (item: T) => readonly string[];
  #pending: Entry<T, R>[] = [];
  #queued = false;

  constructor(
    writer: TransactionBatcher,
    apply: (tx: Transaction, items: T[]) => Promise<R>,
    taskRowsOf: (item: T) => readonly string[],
  ) {
    this.#writer = writer;
    this.#apply = apply;
    this.#taskRowsOf = taskRowsOf;
  }

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (this.#queued) return;
      this.#queued = true;
      // Taken when the work's batch starts and kept for a retry of the same work (the writer retries alone).
      let taken: Entry<T, R>[] | undefined;
      const take = (): Entry<T, R>[] => {
        if (!taken) {
          taken = this.#pending;
          this.#pending = [];
          this.#queued = false;
        }
        return taken;
      };
      this.#writer
        .run(
          (tx) =>
            this.#apply(
              tx,
              take().map((entry) => entry.item),
            ),
          () => take().flatMap((entry) => this.#taskRowsOf(entry.item)),
        )
        .then(
          (result) => {
            for (const entry of take()) entry.resolve(result);
          },
          // take() here too: a transaction that failed before the work ran (no connection: the database is
          // restarting) never took the items, and leaving them (and `#queued`) behind would hang every
          // later add() of this kind for good.
          (error: unknown) => {
            const entries = take();
            if (entries.length === 1) {
              entries[0]?.reject(error);
              return;
            }
            // One bad item must not fail the others merged with it (a task's outcome the database refuses
            // would leave every task of the batch running): each is written again alone.
            for (const entry of entries) {
              this.#writer
                .run(
                  (tx) => this.#apply(tx, [entry.item]),
                  () => this.#taskRowsOf(entry.item),
                )
                .then(entry.resolve, entry.reject);
            }
          },
        );
    });
  }
}
