import type { FetchLike } from 'eventsource';

/**
 * The wait before a subscription's n-th reconnect over SSE since its stream last held, on top of the
 * api's `retry:` hint (SSE_RETRY_MS, a second): none at first, then doubling from 500 ms up to 5 s.
 */
export function sseReconnectDelayMs(attempt: number): number {
  return attempt === 0 ? 0 : Math.min(250 * 2 ** attempt, 5_000);
}

/** A stream that stayed open this long held: the next reconnect is a first one again. */
export const SSE_STABLE_MS = 5_000;

export interface ReconnectingFetchOptions {
  /** Sent with every request (the API key). */
  headers?: Record<string, string> | undefined;
  delayMs?: (attempt: number) => number;
  /** For tests: the clock and the wait. */
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  fetch?: FetchLike;
}

/** Waits `ms`; rejects with the abort reason (an AbortError, which EventSource takes as its own close). */
function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The `fetch` of one subscription's EventSource. An EventSource reconnects at the server's `retry:`
 * interval for as long as the server is away; this adds a backoff that grows with every reconnect whose
 * stream did not hold (refused, or answered and dropped at once), so clients do not storm an api that
 * is down or failing, and a stream that held for a while reconnects at the hint again.
 */
export function reconnectingFetch(opts: ReconnectingFetchOptions = {}): FetchLike {
  const now = opts.now ?? Date.now;
  const delayMs = opts.delayMs ?? sseReconnectDelayMs;
  const sleep = opts.sleep ?? abortableSleep;
  const send: FetchLike = opts.fetch ?? ((url, init) => fetch(url, init));
  let connects = 0;
  /** Reconnects since a stream last held. */
  let attempt = 0;
  let openedAt: number | undefined;
  return async (url, init) => {
    if (connects++ > 0) {
      if (openedAt !== undefined && now() - openedAt >= SSE_STABLE_MS) attempt = 0;
      openedAt = undefined;
      await sleep(delayMs(attempt++), init.signal as AbortSignal);
    }
    const response = await send(url, { ...init, headers: { ...init.headers, ...opts.headers } });
    if (response.status === 200) openedAt = now();
    return response;
  };
}
