import type { FeedState } from '@kaygraph/contracts';
import type { DatabaseHealth } from '../database-health.ts';
import { AsyncQueue } from './async-queue.ts';

/** Whether this process reaches its database: its state now, then each change, until `signal` aborts. */
export async function* streamFeedState(
  health: DatabaseHealth,
  signal?: AbortSignal,
): AsyncGenerator<FeedState> {
  const changes = new AsyncQueue<boolean>();
  const unsubscribe = health.onChange((reachable) => changes.push(reachable));
  const stateOf = (reachable: boolean): FeedState => ({ database: reachable ? 'reachable' : 'unreachable' });
  try {
    yield stateOf(health.reachable);
    while (!signal?.aborted) {
      const reachable = await changes.next(signal);
      if (reachable === undefined) return;
      yield stateOf(reachable);
    }
  } finally {
    unsubscribe();
  }
}
