/**
 * Counts the status events of one workflow as an api process hears them: a LISTEN connection of its own
 * on `task_events`, no parse (substring tests). Polling a count of the tasks table instead cost the database
 * a scan of the growing table every 20 ms, beside the work it timed.
 */
import postgres from 'postgres';

const STALL_MS = 180_000;

export interface StatusCounter {
  /** Events heard so far. */
  readonly count: number;
  /** Resolves once `target` events were heard in all; rejects when none came for `stallMs` before that. */
  until(target: number, stallMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function statusCounter(url: string, workflow: string, status: string): Promise<StatusCounter> {
  const listener = postgres(url, { max: 1, onnotice: () => {} });
  let count = 0;
  let lastAt = Date.now();
  let waiting: { target: number; resolve: () => void } | undefined;
  const marker = `"workflow" : "${workflow}", "type" : "status"`;
  const statusMarker = `"status": "${status}"`;
  await listener.listen('task_events', (raw) => {
    if (!raw.includes(statusMarker) || !raw.includes(marker)) return;
    count += 1;
    lastAt = Date.now();
    if (waiting && count >= waiting.target) waiting.resolve();
  });
  return {
    get count() {
      return count;
    },
    until(target, stallMs = STALL_MS) {
      if (count >= target) return Promise.resolve();
      lastAt = Date.now();
      return new Promise((resolve, reject) => {
        const check = setInterval(() => {
          if (Date.now() - lastAt < stallMs) return;
          clearInterval(check);
          reject(
            new Error(`${count} of ${target} ${workflow} ${status} events, none for ${stallMs / 1000} s`),
          );
        }, 1_000);
        waiting = {
          target,
          resolve: () => {
            clearInterval(check);
            resolve();
          },
        };
      });
    },
    close: () => listener.end({ timeout: 5 }),
  };
}
