import type { Optional } from './api.ts';

/** What an "all" action did: how many tasks it handled, and why it stopped when that was not the end. */
export type AllInBatchesReport =
  | { state: 'unavailable'; reason: string }
  | { state: 'stopped'; done: number; error: unknown | null; more: boolean };

/** Calls at most, so a flood of new tasks cannot keep the button busy for ever. */
const MAX_CALLS = 100;

/**
 * "Redrive all", "Retry all failed", "Cancel all queued" as a user means them: the api handles at most
 * MAX_BATCH_SIZE tasks per call, so call again until one handles none. Stops at the first error (the count
 * so far stands), and when a call hands back a task this one already handled: it failed again meanwhile
 * (a redrive), and would loop.
 */
export async function allInBatches(
  call: () => Promise<Optional<{ task_ids: string[] }>>,
): Promise<AllInBatchesReport> {
  const done = new Set<string>();
  const stopped = (error: unknown | null, more = false): AllInBatchesReport => ({
    state: 'stopped',
    done: done.size,
    error,
    more,
  });
  for (let calls = 0; calls < MAX_CALLS; calls += 1) {
    let answer: Optional<{ task_ids: string[] }>;
    try {
      answer = await call();
    } catch (error) {
      return stopped(error);
    }
    if (answer.state === 'unavailable') return calls === 0 ? answer : stopped(new Error(answer.reason));
    const again = answer.value.task_ids.some((taskId) => done.has(taskId));
    for (const taskId of answer.value.task_ids) done.add(taskId);
    // A task handed back again failed again meanwhile: stop, saying that some may be left.
    if (again) return stopped(null, true);
    if (answer.value.task_ids.length === 0) return stopped(null);
  }
  return stopped(null, true);
}
