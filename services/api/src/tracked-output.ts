import { isTrackedEnvelope, type TrackedEnvelope, tracked } from '@trpc/server';
import { z } from 'zod';

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * An `.output()` for subscriptions that yield `tracked(id, item)`: tRPC's output validator sees the
 * whole async iterable, so this validates each yielded item instead and keeps the item type for
 * clients. Items are validated once per object: a live event reaches every subscriber of its task as
 * one object (never mutated), so they share its parsed output instead of each parsing it again.
 */
export function trackedIterableOf<T extends z.ZodType>(item: T) {
  const parsed = new WeakMap<object, z.output<T>>();
  const parse = (data: unknown): z.output<T> => {
    if (typeof data !== 'object' || data === null) return item.parse(data);
    let output = parsed.get(data);
    if (output === undefined) {
      output = item.parse(data) as z.output<T>;
      parsed.set(data, output);
    }
    return output;
  };
  return z
    .custom<AsyncIterable<TrackedEnvelope<z.output<T>>>>(isAsyncIterable, 'expected an async iterable')
    .transform((source) => validateEach(source, parse));
}

/**
 * `source` with each envelope's item validated: an iterator that maps each step of the source's, not an
 * async generator around it, which would add its own request queue and promises to every event of every
 * subscriber. Ending it (`return`) ends the source.
 */
function validateEach<T>(
  source: AsyncIterable<TrackedEnvelope<T>>,
  parse: (data: unknown) => T,
): AsyncIterable<TrackedEnvelope<T>> {
  const validated = (step: IteratorResult<TrackedEnvelope<T>>): IteratorResult<TrackedEnvelope<T>> => {
    if (step.done) return step;
    if (!isTrackedEnvelope(step.value)) throw new Error('subscription yielded an untracked value');
    const [id, data] = step.value;
    return { done: false, value: tracked(id, parse(data)) };
  };
  return {
    [Symbol.asyncIterator]() {
      const iterator = source[Symbol.asyncIterator]();
      // An invalid item ends the source as a `for await` over a generator would: a consumer whose next()
      // rejected does not call return(), and the source must still release what it holds.
      const invalid = async (error: unknown): Promise<never> => {
        await iterator.return?.();
        throw error;
      };
      return {
        next: () =>
          iterator.next().then((step) => {
            try {
              return validated(step);
            } catch (error) {
              return invalid(error);
            }
          }),
        return: async (value?: unknown) => {
          await iterator.return?.(value);
          return { done: true, value: undefined };
        },
      };
    },
  };
}
