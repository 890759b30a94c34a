import { isConnectionLost } from './database-errors.ts';

/**
 * Whether this process reaches its database, as its liveness passes (every second, in every process) find:
 * unreachable from a pass that failed because the connection is lost or refused, reachable again from the
 * next pass that succeeds. Other failures say nothing about the connection and change nothing.
 */
export class DatabaseHealth {
  #reachable = true;
  readonly #listeners = new Set<(reachable: boolean) => void>();

  get reachable(): boolean {
    return this.#reachable;
  }

  /** `reachable` changed; called once per change, not once per pass. */
  onChange(listener: (reachable: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** How a liveness pass ended (`failure` null: it succeeded), as `startPeriodicPass` reports it. */
  passSettled(failure: { error: unknown } | null): void {
    if (failure === null) this.#set(true);
    else if (isConnectionLost(failure.error)) this.#set(false);
  }

  #set(reachable: boolean): void {
    if (this.#reachable === reachable) return;
    this.#reachable = reachable;
    for (const listener of this.#listeners) listener(reachable);
  }
}
