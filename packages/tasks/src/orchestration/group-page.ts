import { GROUP_PAGE_RESULT_BYTES, type GroupTaskView } from '@kaygraph/contracts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import type { Executor } from '../db.ts';
import { groupTaskResultJson, groupTasks } from '../store/groups.ts';

/**
 * A page of a group's tasks with their results: at most `limit` tasks, ending before the task whose result
 * would take the page past `resultBytes` (a page holds at least one task). Results too large to come with
 * the list are read one at a time and measured as JSON, so the page is the most this holds, whatever the
 * group's size.
 */
export async function groupTaskPage(
  executor: Executor,
  groupId: string,
  page: { cursor: string | undefined; limit: number; resultBytes?: number },
): Promise<{ tasks: GroupTaskView[]; next_cursor: string | null }> {
  const budget = page.resultBytes ?? GROUP_PAGE_RESULT_BYTES;
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor, 'tasks_cursor');
  const rows = await groupTasks(executor, groupId, after, page.limit + 1);
  const tasks: GroupTaskView[] = [];
  let bytes = 0;
  let index = 0;
  for (; index < rows.length && tasks.length < page.limit; index++) {
    const row = rows[index];
    if (!row) break;
    const json =
      row.small_result_json ?? (row.has_result ? await groupTaskResultJson(executor, row.id) : null);
    const size = json === null ? 0 : Buffer.byteLength(json);
    if (tasks.length > 0 && bytes + size > budget) break;
    bytes += size;
    tasks.push({
      task_id: row.id,
      workflow: row.workflow,
      status: row.status,
      progress: row.progress,
      // The cleaner may have removed the result since the row was read: then there is none to show.
      ...(json === null ? {} : { result: JSON.parse(json) as unknown }),
      error: row.error ?? null,
    });
  }
  const last = rows[index - 1];
  const more = index < rows.length && last !== undefined;
  return {
    tasks,
    next_cursor: more ? encodeCursor({ createdAt: last.cursor_time, id: last.id }) : null,
  };
}
