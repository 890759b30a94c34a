/**
 * An unbounded single-consumer queue: producers push synchronously (from a NOTIFY callback), the consumer
 * awaits the next item or an abort. Used to turn live notifications into an async iterator.
 */
export class AsyncQueue<T> {
  #items: T[] = [];
  #waiter: ((value: T | undefined) => void) | undefined;
  #watched: AbortSignal | undefined;

  push(item: T): void {
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter(item);
      return;
    }
    this.#items.push(item);
  }

  /** The next item, or undefined once `signal` aborts. */
  next(signal?: AbortSignal): Promise<T | undefined> {
    if (this.#items.length > 0) return Promise.resolve(this.#items.shift());
    if (signal?.aborted) return Promise.resolve(undefined);
    if (signal && signal !== this.#watched) {
      // Watched once per signal, not once per wait: a stream waits once per event, and a thousand
      // subscribers adding and removing an abort listener per event is garbage the api can do without.
      this.#watched = signal;
      signal.addEventListener('abort', () => this.#release(), { once: true });
    }
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }

  #release(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.(undefined);
  }
}
