import type { TaskSummary } from '@kaygraph/contracts';
import type { ListPage } from './unseen-page.ts';

/** Pages read at most per check: the listing as far as the oldest shown task, or this much of it. */
const MAX_PAGES = 5;

/**
 * Of the tasks a page shows in one status, those the server's listing of that status (newest first by
 * creation) no longer holds: removed elsewhere, which no event says, or moved on (their event says so).
 * The listing is read until it reaches the oldest shown task; past MAX_PAGES, only the shown tasks
 * created after the last one read are judged.
 */
export async function goneTasks(
  read: (cursor: string | undefined) => Promise<ListPage<TaskSummary>>,
  shown: readonly Pick<TaskSummary, 'task_id' | 'created_at'>[],
): Promise<Set<string>> {
  if (shown.length === 0) return new Set();
  const oldestShown = Math.min(...shown.map((task) => Date.parse(task.created_at)));
  const listed = new Set<string>();
  // Shown tasks created after this are judged (a tie may go on on the next page): the whole listing, -Infinity.
  let judgedAfter = -Infinity;
  let cursor: string | undefined;
  for (let page = 1; ; page += 1) {
    const answer = await read(cursor);
    for (const task of answer.items) listed.add(task.task_id);
    const last = answer.items.at(-1);
    if (answer.next_cursor === null) {
      judgedAfter = -Infinity;
      break;
    }
    judgedAfter = last ? Date.parse(last.created_at) : Infinity;
    if (judgedAfter < oldestShown || page === MAX_PAGES) break;
    cursor = answer.next_cursor;
  }
  return new Set(
    shown
      .filter((task) => !listed.has(task.task_id) && Date.parse(task.created_at) > judgedAfter)
      .map((task) => task.task_id),
  );
}
