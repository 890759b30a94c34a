import { DomainError } from '@kaygraph/contracts';

export interface SubscriptionCapLimits {
  /** Open subscriptions one tRPC WebSocket may hold. */
  perConnection: number;
  /** Open subscriptions one API key (or, without keys, one owner) may hold across connections. */
  perKey: number;
}

export const DEFAULT_SUBSCRIPTION_CAPS: SubscriptionCapLimits = { perConnection: 100, perKey: 1_000 };

/**
 * Counts open subscriptions per connection and per key in this process, and refuses one over either cap
 * with a 429 that says which: one socket with thousands of subscriptions would turn every event into
 * thousands of messages.
 */
export class SubscriptionCaps {
  readonly #limits: SubscriptionCapLimits;
  readonly #byConnection = new WeakMap<object, number>();
  readonly #byKey = new Map<string, number>();

  constructor(limits: SubscriptionCapLimits = DEFAULT_SUBSCRIPTION_CAPS) {
    this.#limits = limits;
  }

  /**
   * Takes a slot for one subscription of `connection` (undefined: an SSE request, its own connection)
   * and `key`; dispose the result when the subscription ends.
   */
  acquire(connection: object | undefined, key: string): Disposable {
    const onConnection = connection ? (this.#byConnection.get(connection) ?? 0) : 0;
    if (onConnection >= this.#limits.perConnection) {
      throw new DomainError(
        'RATE_LIMITED',
        `too many subscriptions on this connection (at most ${this.#limits.perConnection}): ` +
          'end some, or subscribe to tasks.feed for many tasks at once',
      );
    }
    const onKey = this.#byKey.get(key) ?? 0;
    if (onKey >= this.#limits.perKey) {
      throw new DomainError(
        'RATE_LIMITED',
        `too many open subscriptions for this API key (at most ${this.#limits.perKey} across connections)`,
      );
    }
    if (connection) this.#byConnection.set(connection, onConnection + 1);
    this.#byKey.set(key, onKey + 1);
    let released = false;
    return {
      [Symbol.dispose]: () => {
        if (released) return;
        released = true;
        if (connection) this.#byConnection.set(connection, (this.#byConnection.get(connection) ?? 1) - 1);
        const left = (this.#byKey.get(key) ?? 1) - 1;
        if (left > 0) this.#byKey.set(key, left);
        else this.#byKey.delete(key);
      },
    };
  }
}
