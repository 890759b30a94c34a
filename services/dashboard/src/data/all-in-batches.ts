import type { Optional } from './api.ts';

/** What an "all" action did: how many tasks it handled, and why it stopped when that was not the end. */
export type AllInBatchesReport =
  | { state: 'unavailable'; reason: string }
  | { state: 'stopped'; done: number; error: unknown | null; more: boolean };

/** Calls at most, so a flood of new tasks cannot keep the button busy for ever. */
const MAX_CALLS = 100;

/**
 * One call's answer: the tasks it handled, whether the api says more remain (redrive's `has_more`), and how
 * many tasks it handled in all when `task_ids` lists only some (a clean's `removed` counts child tasks).
 */
export interface BatchAnswer {
  task_ids: string[];
  has_more?: boolean;
  removed?: number;
}

/**
 * "Redrive all", "Retry all failed", "Cancel all queued" as a user means them: the api handles at most
 * MAX_BATCH_SIZE tasks per call, so call again while more remain: as the api says (`has_more`), or, from an
 * api that does not say, until a call handles none. Stops at the first error (the count so far stands),
 * and when a call hands back a task this one already handled: it failed again meanwhile (a redrive), and
 * would loop. `more`: what the api said last; one that does not say may have more left whenever it stopped
 * early. Each call gets the answer before it (none for the first): a clean passes on the cutoff the server took.
 */
export async function allInBatches<T extends BatchAnswer>(
  call: (previous: T | undefined) => Promise<Optional<T>>,
): Promise<AllInBatchesReport> {
  const done = new Set<string>();
  let handled = 0;
  const stopped = (error: unknown | null, more = false): AllInBatchesReport => ({
    state: 'stopped',
    done: handled,
    error,
    more,
  });
  let more: boolean | undefined;
  let previous: T | undefined;
  for (let calls = 0; calls < MAX_CALLS; calls += 1) {
    let answer: Optional<T>;
    try {
      answer = await call(previous);
    } catch (error) {
      return stopped(error);
    }
    if (answer.state === 'unavailable') return calls === 0 ? answer : stopped(new Error(answer.reason));
    previous = answer.value;
    const again = answer.value.task_ids.some((taskId) => done.has(taskId));
    const before = done.size;
    for (const taskId of answer.value.task_ids) done.add(taskId);
    handled += answer.value.removed ?? done.size - before;
    more = answer.value.has_more;
    // A task handed back again failed again meanwhile: stop, saying whether some are left.
    if (again) return stopped(null, more ?? true);
    if (more === false) return stopped(null);
    // None handled though more remain (they could not be taken this time): calling again would loop.
    if (answer.value.task_ids.length === 0) return stopped(null, more ?? false);
  }
  return stopped(null, more ?? true);
}
