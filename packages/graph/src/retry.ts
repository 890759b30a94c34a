import { AbortedError, isNonRetriable, toError } from './errors.ts';
import type { ExecFrame } from './internal.ts';
import { isThenable } from './thenable.ts';

/** The part of a node that retrying needs. */
export interface Retryable<In, Out> {
  readonly maxRetries: number;
  readonly wait: number;
  readonly backoff: boolean;
  exec(input: In): Out | Promise<Out>;
  execFallback(input: In, error: Error): Out | Promise<Out>;
}

/**
 * `exec` with up to `maxRetries` attempts, then `execFallback`. An attempt that fails after the run
 * was aborted is not retried (nor handed to the fallback): the run is over, so it ends as aborted. A
 * non-retriable error (`isNonRetriable`) goes to the fallback at once: another attempt would repeat its effect.
 */
export async function execWithRetries<In, Out>(
  node: Retryable<In, Out>,
  input: In,
  frame: ExecFrame,
): Promise<Out> {
  const { signal } = frame.run;
  for (let attempt = 1; ; attempt++) {
    frame.attempts++;
    try {
      const result = node.exec(input);
      return isThenable(result) ? await result : result;
    } catch (thrown) {
      if (signal.aborted) throw new AbortedError(signal.reason, { cause: thrown });
      if (attempt >= node.maxRetries || isNonRetriable(thrown)) {
        frame.usedFallback = true;
        return await node.execFallback(input, toError(thrown));
      }
      const delay = node.backoff ? node.wait * 2 ** (attempt - 1) : node.wait;
      if (delay > 0) await sleep(delay, signal);
    }
  }
}

/** A wait that ends early, as an AbortedError, when the run is aborted. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new AbortedError(signal.reason));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError(signal.reason));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
