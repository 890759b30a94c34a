import type { FetchLike } from 'eventsource';
import { describe, expect, test } from 'vitest';
import { reconnectingFetch, SSE_STABLE_MS, sseReconnectDelayMs } from './sse-reconnect.ts';

/** A reconnectingFetch on a fake clock and a fetch that answers `statuses` in turn (0: refused). */
function harness(statuses: number[]) {
  let clock = 0;
  const waits: number[] = [];
  const sent: Record<string, string>[] = [];
  const fetch: FetchLike = async (_url, init) => {
    sent.push(init.headers);
    const status = statuses.shift() ?? 0;
    if (status === 0) throw new TypeError('fetch failed');
    return { body: null, url: '', status, redirected: false, headers: { get: () => null } };
  };
  const connect = reconnectingFetch({
    headers: { authorization: 'Bearer kg_test' },
    now: () => clock,
    sleep: async (ms) => {
      waits.push(ms);
    },
    fetch,
  });
  const init = {
    signal: new AbortController().signal,
    headers: { Accept: 'text/event-stream' as const },
    mode: 'cors' as const,
    cache: 'no-store' as const,
    redirect: 'follow' as const,
  };
  return {
    waits,
    sent,
    /** One connection attempt; `lasts` ms pass before the next. */
    async attempt(lasts = 0) {
      await connect('http://api/trpc/tasks.events', init).catch(() => undefined);
      clock += lasts;
    },
  };
}

describe('reconnecting over SSE', () => {
  test('the first reconnect waits only for the hint; refused ones wait longer each time, up to 5 s', async () => {
    const api = harness([200, 0, 0, 0, 0, 0, 0, 0]);
    for (let i = 0; i < 8; i++) await api.attempt(SSE_STABLE_MS * 2);
    expect(api.waits).toEqual([0, 500, 1000, 2000, 4000, 5000, 5000]);
  });

  test('a stream that held starts the backoff over; one that dropped at once does not', async () => {
    const api = harness([200, 200, 200, 200, 200]);
    await api.attempt(SSE_STABLE_MS); // held
    await api.attempt(10); // dropped at once (the api up, the subscription failing)
    await api.attempt(10);
    await api.attempt(SSE_STABLE_MS); // held
    await api.attempt();
    expect(api.waits).toEqual([0, 500, 1000, 0]);
  });

  test('every request carries the API key beside what EventSource sends', async () => {
    const api = harness([200]);
    await api.attempt();
    expect(api.sent).toEqual([{ Accept: 'text/event-stream', authorization: 'Bearer kg_test' }]);
  });

  test('the policy: nothing first, then growing, never past 5 s', () => {
    const delays = Array.from({ length: 12 }, (_, attempt) => sseReconnectDelayMs(attempt));
    expect(delays[0]).toBe(0);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1] ?? 0);
    expect(Math.max(...delays)).toBe(5_000);
  });
});
