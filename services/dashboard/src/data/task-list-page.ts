import type { ListTasksOutput } from '@kaygraph/contracts';
import { listOrderOf } from '../lib/list-order.ts';
import { type TaskListView, taskListHref } from '../router.ts';
import { errorLine, type Loadable, useQuery, useServices } from './hooks.ts';

/** Rows per page of the Tasks page. */
export const TASKS_PAGE_SIZE = 50;

type Answer = { view: string; output: ListTasksOutput } | { view: string; error: string };

/**
 * The page of `tasks.list` a Tasks view names (filters and cursor), and a reload. While another
 * view's page loads it is `loading`, never the previous view's rows; a reload of the same view keeps
 * its rows in sight until the new ones arrive.
 */
export function useTaskListPage(list: TaskListView): [Loadable<ListTasksOutput>, () => void] {
  const { api } = useServices();
  const view = taskListHref(list);
  const [answer, reload] = useQuery<Answer>(view, async () => {
    try {
      const output = await api.listTasks({
        status: list.status ?? undefined,
        workflow: list.workflow ?? undefined,
        order: listOrderOf(list.status),
        cursor: list.cursor ?? undefined,
        limit: TASKS_PAGE_SIZE,
      });
      return { view, output };
    } catch (error) {
      return { view, error: errorLine(api.describeError(error)) };
    }
  });
  if (answer.state === 'error') return [answer, reload];
  if (answer.state === 'loading' || answer.value.view !== view) return [{ state: 'loading' }, reload];
  const value = answer.value;
  return [
    'output' in value ? { state: 'ready', value: value.output } : { state: 'error', message: value.error },
    reload,
  ];
}
