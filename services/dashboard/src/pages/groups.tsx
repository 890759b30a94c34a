import type { GroupSummary } from '@kaygraph/contracts';
import { PagedTable } from '../components/paged-table.tsx';
import { ProgressBar } from '../components/progress-bar.tsx';
import { EmptyState, Panel } from '../components/states.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useLiveTasks, useNow, useRefreshOn, useServices } from '../data/hooks.ts';
import { usePagedList } from '../data/paged-list.ts';
import { formatRelative } from '../lib/format.ts';
import { progressTone } from '../lib/group-tone.ts';
import { href } from '../router.ts';

/** Task groups with their aggregate progress and counts per status. */
export function GroupsPage() {
  const { api } = useServices();
  const live = useLiveTasks();
  const now = useNow(10_000);
  const list = usePagedList('groups', (cursor) => api.optional.groups(cursor));
  // A group's counts follow its tasks' statuses: re-read when the feed reports status changes.
  useRefreshOn(live.store.statusVersion, list.reload);
  return (
    <div class="page">
      <Panel title="Groups">
        <PagedTable
          feature="Task groups"
          list={list}
          empty={
            <EmptyState title="No groups">
              Groups appear when tasks are submitted together as a group.
            </EmptyState>
          }
          testId="groups"
          head={
            <>
              <th>Group</th>
              <th>Status</th>
              <th class="col-progress">Progress</th>
              <th>Tasks</th>
              <th>Created</th>
            </>
          }
          row={(row: GroupSummary) => (
            <tr key={row.group_id} data-group-id={row.group_id}>
              <td>
                <a href={href({ page: 'group', groupId: row.group_id })} class="task-link">
                  <span class="workflow">{row.name}</span>
                  <code>{row.group_id.slice(0, 8)}</code>
                </a>
                <div class="muted">{row.total} tasks</div>
              </td>
              <td>
                <StatusBadge status={row.status} />
              </td>
              <td>
                <ProgressBar value={row.progress} status={progressTone(row.status)} />
              </td>
              <td class="counts">
                {Object.entries(row.counts)
                  .filter(([, count]) => count > 0)
                  .map(([status, count]) => (
                    <span key={status} class={`count count-${status}`}>
                      {count} {status}
                    </span>
                  ))}
              </td>
              <td>{formatRelative(row.created_at, now)}</td>
            </tr>
          )}
        />
      </Panel>
    </div>
  );
}
