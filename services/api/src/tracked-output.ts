import { isTrackedEnvelope, type TrackedEnvelope, tracked } from '@trpc/server';
import { z } from 'zod';

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * An `.output()` for subscriptions that yield `tracked(id, item)`: tRPC's output validator sees the
 * whole async iterable, so this validates each yielded item instead and keeps the item type for
 * clients.
 */
export function trackedIterableOf<T extends z.ZodType>(item: T) {
  return z
    .custom<AsyncIterable<TrackedEnvelope<z.output<T>>>>(isAsyncIterable, 'expected an async iterable')
    .transform((source) => validateEach(source, item));
}

async function* validateEach<T extends z.ZodType>(
  source: AsyncIterable<TrackedEnvelope<z.output<T>>>,
  item: T,
): AsyncGenerator<TrackedEnvelope<z.output<T>>, void, unknown> {
  for await (const envelope of source) {
    if (!isTrackedEnvelope(envelope)) throw new Error('subscription yielded an untracked value');
    const [id, data] = envelope;
    yield tracked(id, item.parse(data) as z.output<T>);
  }
}
