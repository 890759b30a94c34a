import type { TaskSummary } from '@kaygraph/contracts';
import { useEffect, useRef } from 'preact/hooks';
import { goneTasks } from './gone-tasks.ts';
import { useLiveTasks, useRefreshOn, useServices } from './hooks.ts';

/** The failed listing's pages when checking the rows shown (the api's most). */
const CHECK_PAGE = 200;

/**
 * Failed tasks removed elsewhere (another tab, the CLI, the api), which no event reports: on opening and
 * whenever the feed reports status changes, the failed listing is read as far as the rows `shown`
 * (goneTasks). The live store forgets those it still holds unchanged; `onGone` drops the page's own rows.
 */
export function useDropRemovedFailures(shown: TaskSummary[], onGone: (gone: Set<string>) => void): void {
  const { api } = useServices();
  const live = useLiveTasks();
  const latest = useRef({ shown, onGone });
  latest.current = { shown, onGone };

  const check = () => {
    const { shown: checked } = latest.current;
    goneTasks((cursor) => api.listTasks({ status: 'failed', limit: CHECK_PAGE, cursor }), checked).then(
      (gone) => {
        if (gone.size === 0) return;
        // A row that changed during the read (its event arrived meanwhile) is the store's to judge.
        const unchanged = checked.filter(
          (task) => gone.has(task.task_id) && live.store.get(task.task_id)?.updated_at === task.updated_at,
        );
        live.store.forget(unchanged.map((task) => task.task_id));
        latest.current.onGone(gone);
      },
      () => {
        // The next status change checks again; the rows stay meanwhile.
      },
    );
  };
  useEffect(() => {
    if (live.loaded) check();
  }, [live.loaded]);
  useRefreshOn(live.store.statusVersion, check);
}
