import type { ScheduleView } from '@kaygraph/contracts';
import { useState } from 'preact/hooks';
import { PagedTable } from '../components/paged-table.tsx';
import { EmptyState, ErrorNotice, Panel } from '../components/states.tsx';
import { errorMessage, useNow, useServices } from '../data/hooks.ts';
import { usePagedList } from '../data/paged-list.ts';
import { formatRelative, formatTime } from '../lib/format.ts';
import { href } from '../router.ts';

/** Cron schedules with their next runs; pause and resume. */
export function SchedulesPage() {
  const { api } = useServices();
  const now = useNow(10_000);
  const list = usePagedList('schedules', (cursor) => api.optional.schedules(cursor));
  const [error, setError] = useState<string | null>(null);

  const toggle = async (row: ScheduleView) => {
    setError(null);
    try {
      const answer = await api.optional.setScheduleEnabled(row.schedule_id, !row.enabled);
      if (answer.state === 'unavailable') setError(answer.reason);
      list.reload();
    } catch (cause) {
      setError(errorMessage(cause));
    }
  };

  return (
    <div class="page">
      <Panel
        title="Schedules"
        actions={
          // No event reports a schedule created, changed or deleted elsewhere: re-read on request.
          <button type="button" class="button" onClick={list.reload}>
            Refresh
          </button>
        }
      >
        {error ? <ErrorNotice message={error} /> : null}
        <PagedTable
          feature="Schedules"
          list={list}
          empty={
            <EmptyState title="No schedules">
              Create one with the API or `kaygraph schedules create`.
            </EmptyState>
          }
          testId="schedules"
          head={
            <>
              <th>Schedule</th>
              <th>Workflow</th>
              <th>Cron</th>
              <th>Next runs</th>
              <th>Last run</th>
              <th>State</th>
              <th />
            </>
          }
          row={(row: ScheduleView) => (
            <tr key={row.schedule_id} data-schedule-id={row.schedule_id}>
              <td>
                <strong>{row.name}</strong> <span class="priority">{row.priority}</span>
              </td>
              <td>
                <a href={href({ page: 'submit', workflow: row.workflow })}>{row.workflow}</a>
              </td>
              <td>
                <code>{row.cron}</code> <span class="muted">{row.timezone}</span>
              </td>
              <td>
                {row.next_runs.length === 0 ? '—' : null}
                {row.next_runs.slice(0, 3).map((at) => (
                  <div key={at} title={formatTime(at)}>
                    {formatRelative(at, now)}
                  </div>
                ))}
              </td>
              <td>
                {formatRelative(row.last_run_at, now)}
                {row.last_error ? (
                  <div
                    class="inline-error"
                    data-testid="schedule-skip"
                    title={formatTime(row.last_error.skipped_at)}
                  >
                    {`The occurrence ${formatRelative(row.last_error.occurrence_at, now)} created no task: ${row.last_error.code}: ${row.last_error.message}`}
                  </div>
                ) : null}
              </td>
              <td>
                <span class={`badge badge-${row.enabled ? 'running' : 'cancelled'}`}>
                  {row.enabled ? 'active' : 'paused'}
                </span>
              </td>
              <td>
                <button type="button" class="button" onClick={() => toggle(row)}>
                  {row.enabled ? 'Pause' : 'Resume'}
                </button>
              </td>
            </tr>
          )}
        />
      </Panel>
    </div>
  );
}
