import type { RedriveAllOutput } from '@kaygraph/contracts';
import type { Optional } from './api.ts';

/** What "Redrive all" did: how many it redrove, and why it stopped when that was not the end. */
export type RedriveAllReport =
  | { state: 'unavailable'; reason: string }
  | { state: 'stopped'; redriven: number; error: unknown | null; more: boolean };

/** Calls at most, so a flood of new failures cannot keep the button busy for ever. */
const MAX_CALLS = 100;

/**
 * "Redrive all" as a user means it: the api redrives at most MAX_BATCH_SIZE dead letters per call, so
 * call again until one redrives none. Stops at the first error (the count so far stands), and when a
 * call hands back a task this one already redrove: it failed again meanwhile, and would loop.
 */
export async function redriveAll(call: () => Promise<Optional<RedriveAllOutput>>): Promise<RedriveAllReport> {
  const redriven = new Set<string>();
  const stopped = (error: unknown | null, more = false): RedriveAllReport => ({
    state: 'stopped',
    redriven: redriven.size,
    error,
    more,
  });
  for (let calls = 0; calls < MAX_CALLS; calls += 1) {
    let answer: Optional<RedriveAllOutput>;
    try {
      answer = await call();
    } catch (error) {
      return stopped(error);
    }
    if (answer.state === 'unavailable') return calls === 0 ? answer : stopped(new Error(answer.reason));
    const again = answer.value.task_ids.some((taskId) => redriven.has(taskId));
    for (const taskId of answer.value.task_ids) redriven.add(taskId);
    // A task handed back again failed again meanwhile: stop, saying that some may be left.
    if (again) return stopped(null, true);
    if (answer.value.redriven === 0) return stopped(null);
  }
  return stopped(null, true);
}
