import type { TaskSummary } from '@kaygraph/contracts';
import { useEffect, useRef } from 'preact/hooks';
import { goneTasks } from './gone-tasks.ts';
import { useLiveTasks, useRefreshOn, useServices } from './hooks.ts';
import { type SerialCheck, serialCheck } from './serial-check.ts';

/** The failed listing's pages when checking the rows shown (the api's most). */
const CHECK_PAGE = 200;
/** Least time between two checks' starts: each reads the failed listing as far as the rows shown. */
const CHECK_SPACING_MS = 10_000;

/**
 * Failed tasks removed elsewhere (another tab, the CLI, the api), which no event reports: on opening and
 * when the feed reports status changes (one check at a time, at most one every CHECK_SPACING_MS), the
 * failed listing is read as far as the rows `shown` (goneTasks). The live store forgets those it still
 * holds unchanged; `onGone` drops the page's own rows.
 */
export function useDropRemovedFailures(shown: TaskSummary[], onGone: (gone: Set<string>) => void): void {
  const { api } = useServices();
  const live = useLiveTasks();
  const latest = useRef({ shown, onGone });
  latest.current = { shown, onGone };
  const checks = useRef<SerialCheck | null>(null);

  useEffect(() => {
    const created = serialCheck(async (current) => {
      const { shown: checked } = latest.current;
      const gone = await goneTasks(
        (cursor) => api.listTasks({ status: 'failed', limit: CHECK_PAGE, cursor }),
        checked,
      );
      if (gone.size === 0 || !current()) return;
      // A row that changed during the read (its event arrived meanwhile) is the store's to judge.
      const unchanged = checked.filter(
        (task) => gone.has(task.task_id) && live.store.get(task.task_id)?.updated_at === task.updated_at,
      );
      live.store.forget(unchanged.map((task) => task.task_id));
      latest.current.onGone(gone);
    }, CHECK_SPACING_MS);
    checks.current = created;
    return () => created.dispose();
  }, []);
  useEffect(() => {
    if (live.loaded) checks.current?.request();
  }, [live.loaded]);
  useRefreshOn(live.store.statusVersion, () => checks.current?.request());
}
