import type { FeedState } from '@kaygraph/contracts';
import { AsyncQueue } from './async-queue.ts';
import type { EventBus } from './event-bus.ts';

/** Whether the bus hears the database: its state now, then each change, until `signal` aborts. */
export async function* streamFeedState(bus: EventBus, signal?: AbortSignal): AsyncGenerator<FeedState> {
  const changes = new AsyncQueue<boolean>();
  const unsubscribe = bus.onConnectionChange((connected) => changes.push(connected));
  const stateOf = (connected: boolean): FeedState => ({ database: connected ? 'reachable' : 'unreachable' });
  try {
    yield stateOf(bus.connected);
    while (!signal?.aborted) {
      const connected = await changes.next(signal);
      if (connected === undefined) return;
      yield stateOf(connected);
    }
  } finally {
    unsubscribe();
  }
}
