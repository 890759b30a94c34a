import { OptionalContent } from '../components/optional-panel.tsx';
import { ProgressBar } from '../components/progress-bar.tsx';
import { EmptyState, Panel } from '../components/states.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useNow, useQuery, useServices } from '../data/hooks.ts';
import type { GroupRow } from '../data/optional-shapes.ts';
import { formatRelative } from '../lib/format.ts';

/** Task groups with their aggregate progress and counts per status. */
export function GroupsPage() {
  const { api } = useServices();
  const now = useNow(10_000);
  const [result] = useQuery('groups', () => api.optional.groups());
  return (
    <div class="page">
      <Panel title="Groups">
        <OptionalContent feature="Task groups" result={result}>
          {(rows: GroupRow[]) =>
            rows.length === 0 ? (
              <EmptyState title="No groups">
                Groups appear when tasks are submitted together as a group.
              </EmptyState>
            ) : (
              <table class="table" data-testid="groups">
                <thead>
                  <tr>
                    <th>Group</th>
                    <th>Status</th>
                    <th class="col-progress">Progress</th>
                    <th>Tasks</th>
                    <th>Created</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((row) => (
                    <tr key={row.group_id}>
                      <td>
                        <strong>{row.name}</strong> <code class="muted">{row.group_id.slice(0, 8)}</code>
                      </td>
                      <td>
                        <StatusBadge status={row.status} />
                      </td>
                      <td>
                        <ProgressBar
                          value={row.progress}
                          status={row.status === 'completed' ? 'completed' : 'running'}
                        />
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
                  ))}
                </tbody>
              </table>
            )
          }
        </OptionalContent>
      </Panel>
    </div>
  );
}
