import type { TaskSummary } from '@kaygraph/contracts';
import type { ServerOrder } from '../lib/active-sections.ts';
import { errorLine, type Loadable, useQuery, useRefreshOn, useServices } from './hooks.ts';

/** Most queued tasks the Active page lists in run order (each read takes up to this many). */
export const MAX_RUN_QUEUE = 1000;
/** The api's most per page. */
const PAGE = 200;

/**
 * The first `rows` queued tasks in the order they will run, as the api lists them (`next_to_run`: the
 * server's order is the one shown, never re-sorted here). Read again, at most once a second, when the
 * live feed reports status changes, so a task submitted with a higher priority moves up.
 */
export function useRunQueue(rows: number): Loadable<ServerOrder> {
  const { api, live } = useServices();
  const wanted = Math.min(rows, MAX_RUN_QUEUE);
  const [answer, reload] = useQuery<Loadable<ServerOrder>>(`run-queue:${wanted}`, async () => {
    const items: TaskSummary[] = [];
    let cursor: string | undefined;
    try {
      for (;;) {
        const limit = Math.min(PAGE, wanted - items.length);
        const page = await api.listTasks({ status: 'queued', order: 'next_to_run', limit, cursor });
        items.push(...page.items);
        if (!page.next_cursor) return { state: 'ready', value: { status: 'queued', items, more: false } };
        // More can be listed until the page's cap.
        const more = wanted < MAX_RUN_QUEUE;
        if (items.length >= wanted) return { state: 'ready', value: { status: 'queued', items, more } };
        cursor = page.next_cursor;
      }
    } catch (error) {
      return { state: 'error', message: errorLine(api.describeError(error)) };
    }
  });
  useRefreshOn(live.store.statusVersion, reload);
  return answer.state === 'ready' ? answer.value : answer;
}
