/** A push-to-pull bridge: callbacks push, an async iterator pulls. Ends on `end()` or `fail()`. */
export class AsyncQueue<T> {
  readonly #items: T[] = [];
  /** Resolves the pending `next()`; a plain callback, since Node 20 has no Promise.withResolvers. */
  #resume: (() => void) | undefined;
  #ended = false;
  #error: { error: unknown } | undefined;

  push(item: T): void {
    this.#items.push(item);
    this.#wake();
  }

  end(): void {
    this.#ended = true;
    this.#wake();
  }

  fail(error: unknown): void {
    this.#error = { error };
    this.#wake();
  }

  /** The next item, or `done` once ended and drained. Throws what `fail` was given. */
  async next(): Promise<IteratorResult<T, undefined>> {
    for (;;) {
      const item = this.#items.shift();
      if (item !== undefined) return { value: item, done: false };
      if (this.#error) throw this.#error.error;
      if (this.#ended) return { value: undefined, done: true };
      await new Promise<void>((resolve) => {
        this.#resume = resolve;
      });
    }
  }

  #wake(): void {
    const resume = this.#resume;
    this.#resume = undefined;
    resume?.();
  }
}
