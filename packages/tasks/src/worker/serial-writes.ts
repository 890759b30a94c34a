interface Entry<T> {
  item: T;
  resolve(): void;
  reject(error: unknown): void;
}

export interface SerialWritesOptions {
  /**
   * Whether the items of a merged write that failed with `error` are written again one by one, so an item
   * the database refuses (text holding NUL, a value over its limits) fails alone instead of failing every
   * item merged with it. Unset: never (the batch's items share its failure).
   */
  retryAlone?: (error: unknown) => boolean;
}

/**
 * One write in flight at a time: items added while it runs are merged into the next one. Idle, an item is
 * written at once; busy, one statement carries everything that arrived meanwhile. Items of one key thus
 * commit in the order they were added.
 */
export class SerialWrites<T> {
  readonly #write: (items: T[]) => Promise<unknown>;
  readonly #retryAlone: (error: unknown) => boolean;
  #pending: Entry<T>[] = [];
  #running = false;

  constructor(write: (items: T[]) => Promise<unknown>, options: SerialWritesOptions = {}) {
    this.#write = write;
    this.#retryAlone = options.retryAlone ?? (() => false);
  }

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (!this.#running) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    while (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      try {
        await this.#write(batch.map((entry) => entry.item));
        for (const entry of batch) entry.resolve();
      } catch (error) {
        if (batch.length === 1 || !this.#retryAlone(error)) {
          for (const entry of batch) entry.reject(error);
          continue;
        }
        // In order, one at a time: items of one key still commit in the order they were added.
        for (const entry of batch) {
          await this.#write([entry.item]).then(() => entry.resolve(), entry.reject);
        }
      }
    }
    this.#running = false;
  }
}
