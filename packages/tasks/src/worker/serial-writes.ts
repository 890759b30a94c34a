interface Entry<T> {
  item: T;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * One write in flight at a time: items added while it runs are merged into the next one. Idle, an item is
 * written at once; busy, one statement carries everything that arrived meanwhile. Items of one key thus
 * commit in the order they were added.
 */
export class SerialWrites<T> {
  readonly #write: (items: T[]) => Promise<unknown>;
  #pending: Entry<T>[] = [];
  #running = false;

  constructor(write: (items: T[]) => Promise<unknown>) {
    this.#write = write;
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
        for (const entry of batch) entry.reject(error);
      }
    }
    this.#running = false;
  }
}
