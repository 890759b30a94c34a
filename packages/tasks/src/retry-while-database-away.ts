import { isDatabaseAway } from './database-errors.ts';

/** The longest pause between two tries while the database is away. */
const MAX_PAUSE_MS = 2000;

/**
 * Runs `work` again, with a growing pause (100 ms to 2 s, jittered), for as long as it fails because the
 * database is away (`isDatabaseAway`: an outage, or a statement timed out behind a lock): a live worker
 * never gives up on either. It stops only when `signal` aborts (the runtime's stop after its grace),
 * throwing the last error; any other error is thrown at once. Only for work that is one transaction: a
 * failed one rolled back, and one whose COMMIT was cut off is in or out as a whole, so running it again is
 * harmless (the worker's writes are fenced by attempt and status).
 */
export async function retryWhileDatabaseAway<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let pauseMs = 100; ; pauseMs = Math.min(pauseMs * 2, MAX_PAUSE_MS)) {
    try {
      return await work();
    } catch (error) {
      if (!isDatabaseAway(error) || signal?.aborted) throw error;
      await pause(pauseMs * (0.5 + Math.random() / 2), signal);
    }
  }
}

/** Waits `ms`, or less when `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
