import type { RunState } from './context/run-state.ts';
import { AbortedError } from './errors.ts';

/**
 * Maps `items` with at most `limit` calls in flight, results in input order. After the first
 * failure (or an abort) no new item starts; the ones in flight are awaited, then the first error
 * is thrown, so nothing keeps running behind the caller's back.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  run: Pick<RunState, 'signal' | 'pauseIfBusy'>,
  map: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const { signal } = run;
  const results = new Array<R>(items.length);
  const state: { nextIndex: number; failure: { error: unknown } | undefined } = {
    nextIndex: 0,
    failure: undefined,
  };
  const worker = async (): Promise<void> => {
    while (!state.failure && state.nextIndex < items.length) {
      if (signal.aborted) {
        state.failure = { error: new AbortedError(signal.reason) };
        return;
      }
      const index = state.nextIndex++;
      try {
        results[index] = await map(items[index] as T, index);
      } catch (error) {
        state.failure ??= { error };
      }
      // After the item, so the loop's checks see what happened meanwhile (an abort, the last item taken).
      const pause = run.pauseIfBusy();
      if (pause) await pause;
    }
  };
  const workers = Math.min(limit, items.length);
  await Promise.all(Array.from({ length: workers }, worker));
  if (state.failure) throw state.failure.error;
  return results;
}

export function checkConcurrency(concurrency: number): number {
  if (concurrency === Number.POSITIVE_INFINITY) return concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer or Infinity; got ${concurrency}`);
  }
  return concurrency;
}

/** Parallel batches default to a bounded fan-out: unbounded fan-out is how rate limits get hit. */
export const DEFAULT_CONCURRENCY = 8;
