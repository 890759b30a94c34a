/**
 * An unbounded single-consumer queue: producers push synchronously (from a NOTIFY callback), the consumer
 * awaits the next item or an abort. Used to turn live notifications into an async iterator.
 */
export class AsyncQueue<T> {
  #items: T[] = [];
  #waiter: ((value: T | undefined) => void) | undefined;

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
    return new Promise((resolve) => {
      const onAbort = () => {
        this.#waiter = undefined;
        resolve(undefined);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiter = (value) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(value);
      };
    });
  }
}
