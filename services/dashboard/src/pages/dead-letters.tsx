import { useState } from 'preact/hooks';
import { OptionalContent } from '../components/optional-panel.tsx';
import { EmptyState, ErrorNotice, Panel } from '../components/states.tsx';
import { errorMessage, useNow, useQuery, useServices } from '../data/hooks.ts';
import type { DeadLetterRow } from '../data/optional-shapes.ts';
import { formatRelative, shortId } from '../lib/format.ts';
import { taskHref } from '../router.ts';

/** Tasks that exhausted their retries, with redrive (one or all). */
export function DeadLettersPage() {
  const { api } = useServices();
  const now = useNow(10_000);
  const [result, reload] = useQuery('dead-letters', () => api.optional.deadLetters());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const redrive = async (taskId: string | null) => {
    setBusy(true);
    setError(null);
    try {
      const answer = await api.optional.redrive(taskId);
      if (answer.state === 'unavailable') setError(answer.reason);
      reload();
    } catch (cause) {
      setError(errorMessage(cause));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="page">
      <Panel
        title="Dead letters"
        actions={
          result.state === 'ready' && result.value.state === 'ready' && result.value.value.length > 0 ? (
            <button type="button" class="button" disabled={busy} onClick={() => redrive(null)}>
              Redrive all
            </button>
          ) : null
        }
      >
        {error ? <ErrorNotice message={error} /> : null}
        <OptionalContent feature="Dead letters" result={result}>
          {(rows: DeadLetterRow[]) =>
            rows.length === 0 ? (
              <EmptyState title="The dead-letter queue is empty">
                Tasks land here after their last retry fails.
              </EmptyState>
            ) : (
              <table class="table" data-testid="dead-letters">
                <thead>
                  <tr>
                    <th>Task</th>
                    <th>Attempts</th>
                    <th>Error</th>
                    <th>Failed</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {rows.map((row) => (
                    <tr key={row.task_id} data-task-id={row.task_id}>
                      <td>
                        <a href={taskHref(row.task_id)} class="task-link">
                          <span class="workflow">{row.workflow}</span>
                          <code>{shortId(row.task_id)}</code>
                        </a>
                      </td>
                      <td>{row.attempt ?? '—'}</td>
                      <td>
                        {row.error ? (
                          <>
                            <span class="error-code">{row.error.code}</span> {row.error.message}
                          </>
                        ) : (
                          '—'
                        )}
                      </td>
                      <td>{formatRelative(row.failed_at ?? row.created_at, now)}</td>
                      <td>
                        <button
                          type="button"
                          class="button"
                          disabled={busy}
                          onClick={() => redrive(row.task_id)}
                        >
                          Redrive
                        </button>
                      </td>
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
