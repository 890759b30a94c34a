import type { TaskSummary } from '@kaygraph/contracts';
import { errorLine, type Loadable, useQuery, useServices } from './hooks.ts';

/** Matches a short id's page lists; more than this says "give more of the id". */
export const PREFIX_MATCHES = 20;

export interface PrefixMatches {
  items: TaskSummary[];
  /** More tasks start with it than are listed. */
  more: boolean;
}

/** The tasks the caller may see whose id starts with `prefix` (`tasks.list` with `id_prefix`). */
export function useTaskPrefix(prefix: string): Loadable<PrefixMatches> {
  const { api } = useServices();
  const [answer] = useQuery<Loadable<PrefixMatches>>(`task-prefix:${prefix}`, async () => {
    try {
      const page = await api.listTasks({ id_prefix: prefix, limit: PREFIX_MATCHES });
      return { state: 'ready', value: { items: page.items, more: page.next_cursor !== null } };
    } catch (error) {
      return { state: 'error', message: errorLine(api.describeError(error)) };
    }
  });
  return answer.state === 'ready' ? answer.value : answer;
}
