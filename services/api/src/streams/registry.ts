/**
 * The open streams (SSE responses, tRPC's over SSE too, raw task sockets), so shutdown can tell each one to
 * reconnect elsewhere at once instead of cutting it off after the close grace.
 */
export class StreamRegistry {
  readonly #closers = new Set<() => void>();

  /** Registers a stream's "server is going away" handler; call the returned function when it ends. */
  add(closeForRestart: () => void): () => void {
    this.#closers.add(closeForRestart);
    return () => {
      this.#closers.delete(closeForRestart);
    };
  }

  get size(): number {
    return this.#closers.size;
  }

  closeAll(): void {
    for (const close of [...this.#closers]) close();
    this.#closers.clear();
  }
}
