import type { DeadLetterSummary } from '@kaygraph/contracts';
import { useState } from 'preact/hooks';
import { ClampedText } from '../components/clamped-text.tsx';
import { ConfirmAction } from '../components/confirm-action.tsx';
import { PagedTable } from '../components/paged-table.tsx';
import { EmptyState, ErrorNotice, Panel } from '../components/states.tsx';
import { TaskLink } from '../components/task-link.tsx';
import { allInBatches } from '../data/all-in-batches.ts';
import {
  errorMessage,
  useActionError,
  useLiveTasks,
  useNow,
  useRefreshOn,
  useServices,
} from '../data/hooks.ts';
import { usePagedList } from '../data/paged-list.ts';
import { formatRelative, formatTime } from '../lib/format.ts';

/** Tasks that exhausted their retries, with their attempt history; redrive one or all, or purge. */
export function DeadLettersPage() {
  const { api } = useServices();
  const now = useNow(10_000);
  const live = useLiveTasks();
  const list = usePagedList('dead-letters', (cursor) => api.optional.deadLetters(cursor));
  // A dead letter is a failed task: a status event (a task failing, one redriven elsewhere) re-reads it.
  useRefreshOn(live.store.statusVersion, list.reload);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useActionError();
  const [outcome, setOutcome] = useState<string | null>(null);

  const act = async (action: () => Promise<{ state: string; reason?: string }>) => {
    setBusy(true);
    setError(null);
    setOutcome(null);
    try {
      const answer = await action();
      if (answer.state === 'unavailable') setError(answer.reason ?? 'not available on this server');
      list.reload();
    } catch (cause) {
      setError(errorMessage(cause));
    } finally {
      setBusy(false);
    }
  };

  const redriveEvery = async () => {
    setBusy(true);
    setError(null);
    setOutcome(null);
    const report = await allInBatches(() => api.optional.redriveAll());
    if (report.state === 'unavailable') setError(report.reason);
    else {
      const done = `Redrove ${report.done} dead ${report.done === 1 ? 'letter' : 'letters'}`;
      if (report.error) setError(`${done}, then: ${errorMessage(report.error)}`);
      else setOutcome(report.more ? `${done}; more may remain: Redrive all again.` : `${done}.`);
    }
    list.reload();
    setBusy(false);
  };

  const { result } = list;
  const hasRows = result.state === 'ready' && result.value.state === 'ready' && result.value.value.length > 0;
  return (
    <div class="page">
      <Panel
        title="Dead letters"
        actions={
          hasRows ? (
            <ConfirmAction
              label="Redrive all"
              question="Redrive every dead letter?"
              confirm="Yes, redrive all"
              disabled={busy}
              onConfirm={redriveEvery}
            />
          ) : null
        }
      >
        {error ? <ErrorNotice message={error} /> : null}
        {outcome ? (
          <p class="notice notice-ok" role="status" data-testid="redrive-outcome">
            {outcome}
          </p>
        ) : null}
        <PagedTable
          feature="Dead letters"
          list={list}
          empty={
            <EmptyState title="The dead-letter queue is empty">
              Tasks land here after their last retry fails.
            </EmptyState>
          }
          testId="dead-letters"
          tableClass="table table-top"
          head={
            <>
              <th>Task</th>
              <th>Runs</th>
              <th>Last error</th>
              <th class="col-wide">Dead-lettered</th>
              <th />
            </>
          }
          row={(row: DeadLetterSummary) => (
            <tr key={row.task_id} data-task-id={row.task_id}>
              <td class="col-task">
                <TaskLink task={row} />
              </td>
              <td title="Only failed runs spend retries">
                {row.attempt} ({row.max_retries} {row.max_retries === 1 ? 'retry' : 'retries'} allowed)
              </td>
              <td>
                {row.error ? (
                  <>
                    <span class="error-code">{row.error.code}</span>
                    <ClampedText text={row.error.message} testId="error-message" />
                  </>
                ) : (
                  '—'
                )}
                {row.attempts.length > 1 ? (
                  <details>
                    <summary>{row.attempts.length} attempts</summary>
                    <ol class="attempts">
                      {row.attempts.map((attempt) => (
                        <li key={`${attempt.attempt}-${attempt.at}`}>
                          <code>{formatTime(attempt.at)}</code>{' '}
                          {attempt.error?.message ?? 'no error recorded'}
                        </li>
                      ))}
                    </ol>
                  </details>
                ) : null}
              </td>
              <td class="col-wide" title={formatTime(row.dead_lettered_at)}>
                {formatRelative(row.dead_lettered_at, now)}
              </td>
              <td>
                <span class="actions">
                  <button
                    type="button"
                    class="button"
                    disabled={busy}
                    onClick={() => act(() => api.optional.redrive(row.task_id))}
                  >
                    Redrive
                  </button>
                  <ConfirmAction
                    label="Purge"
                    question="Purge this dead letter?"
                    confirm="Yes, purge"
                    danger
                    disabled={busy}
                    onConfirm={() => act(() => api.optional.purge(row.task_id))}
                  />
                </span>
              </td>
            </tr>
          )}
        />
      </Panel>
    </div>
  );
}
