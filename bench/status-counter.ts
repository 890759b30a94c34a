/**
 * Counts the status events of one workflow as an api process hears them: a LISTEN connection of its own
 * on the task events channel, each notification read by its contract. Polling a count of the tasks table
 * instead cost the database a scan of the growing table every 20 ms, beside the work it timed.
 */
import { TaskEventNotification, type TaskStatus } from '@kaygraph/contracts';
import { TASK_EVENTS_CHANNEL } from '@kaygraph/tasks';
import postgres from 'postgres';

const STALL_MS = 180_000;

export interface StatusCounter {
  /** Events heard so far. */
  readonly count: number;
  /**
   * Resolves once `target` events were heard in all; rejects when none came for `stallMs` before that, or
   * when a notification does not match its contract.
   */
  until(target: number, stallMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function statusCounter(
  url: string,
  workflow: string,
  status: TaskStatus,
): Promise<StatusCounter> {
  const listener = postgres(url, { max: 1, onnotice: () => {} });
  let count = 0;
  let lastAt = Date.now();
  let broken: Error | undefined;
  let waiting: { target: number; resolve: () => void; reject: (error: Error) => void } | undefined;
  await listener.listen(TASK_EVENTS_CHANNEL, (raw) => {
    // Only a notification that names the status is read (this process also runs the work it times).
    if (!raw.includes(`"${status}"`)) return;
    const parsed = TaskEventNotification.safeParse(JSON.parse(raw));
    if (!parsed.success) {
      broken ??= new Error(`a ${TASK_EVENTS_CHANNEL} notification off its contract: ${parsed.error.message}`);
      waiting?.reject(broken);
      return;
    }
    // A status event's payload is a few fields, always inlined (only oversized payloads are left out).
    const { workflow: eventWorkflow, type, payload } = parsed.data;
    if (eventWorkflow !== workflow || type !== 'status' || payload?.status !== status) return;
    count += 1;
    lastAt = Date.now();
    if (waiting && count >= waiting.target) waiting.resolve();
  });
  return {
    get count() {
      return count;
    },
    until(target, stallMs = STALL_MS) {
      if (broken) return Promise.reject(broken);
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
          reject: (error) => {
            clearInterval(check);
            reject(error);
          },
        };
      });
    },
    close: () => listener.end({ timeout: 5 }),
  };
}
