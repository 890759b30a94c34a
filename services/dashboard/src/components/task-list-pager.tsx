import { previousCursor, rememberPrevious } from '../data/cursor-trail.ts';
import { TASKS_PAGE_SIZE } from '../data/task-list-page.ts';
import { listOrderOf, PAGER_LABELS } from '../lib/list-order.ts';
import { type TaskListView, taskListHref } from '../router.ts';

/**
 * First / back / on links of the Tasks page, worded for its order (newest first, or the order tasks will
 * run); going on remembers this page so "back" can return to it (the api pages forwards only).
 */
export function TaskListPager({
  list,
  next,
  count,
}: {
  list: TaskListView;
  next: string | null;
  count: number;
}) {
  const previous = list.cursor === null ? undefined : previousCursor(list.cursor);
  const labels = PAGER_LABELS[listOrderOf(list.status)];
  return (
    <div class="pager" data-testid="pager">
      <span class="muted">
        Page {list.page}
        {count > 0
          ? ` · tasks ${(list.page - 1) * TASKS_PAGE_SIZE + 1}–${(list.page - 1) * TASKS_PAGE_SIZE + count}`
          : ''}
      </span>
      {list.page > 2 || (list.page > 1 && previous === undefined) ? (
        <a class="button" href={taskListHref({ ...list, cursor: null, page: 1 })}>
          {labels.first}
        </a>
      ) : null}
      {list.page > 1 && previous !== undefined ? (
        <a class="button" href={taskListHref({ ...list, cursor: previous, page: list.page - 1 })}>
          {labels.back}
        </a>
      ) : null}
      {next !== null ? (
        <a
          class="button"
          href={taskListHref({ ...list, cursor: next, page: list.page + 1 })}
          onClick={() => rememberPrevious(next, list.cursor)}
        >
          {labels.on}
        </a>
      ) : null}
    </div>
  );
}
