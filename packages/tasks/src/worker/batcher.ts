/**
 * Groups items that arrive while a flush is in flight into the next flush: with no load every item is
 * written at once (no added latency); under load one transaction carries many items, which is what keeps
 * NOTIFY-in-transaction commits from serializing a busy worker.
 */
export class Batcher<T> {
  readonly #flush: (items: T[]) => Promise<void>;
  #pending: { item: T; resolve: () => void; reject: (error: unknown) => void }[] = [];
  #running: Promise<void> | undefined;

  constructor(flush: (items: T[]) => Promise<void>) {
    this.#flush = flush;
  }

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (!this.#running) this.#running = this.#drain();
    });
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      try {
        await this.#flush(batch.map((entry) => entry.item));
        for (const entry of batch) entry.resolve();
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.#running = undefined;
  }

  /** Resolves when nothing is pending or in flight. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }
}
