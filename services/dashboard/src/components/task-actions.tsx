import type { TaskSummary } from '@kaygraph/contracts';
import { isTerminalStatus } from '@kaygraph/contracts';
import { useState } from 'preact/hooks';
import { errorMessage, useActionError, useServices } from '../data/hooks.ts';

/**
 * Cancel for live tasks (asked once more first: a cancelled run cannot be resumed), run now for
 * scheduled ones, retry for failed or cancelled ones; errors show beside the button.
 */
export function TaskActions({ task }: { task: Pick<TaskSummary, 'task_id' | 'status'> }) {
  const { api, live } = useServices();
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useActionError();

  const run = async (action: (taskId: string) => Promise<unknown>) => {
    setBusy(true);
    setConfirming(false);
    setError(null);
    try {
      await action(task.task_id);
      await live.reload(task.task_id);
    } catch (cause) {
      setError(errorMessage(cause));
    } finally {
      setBusy(false);
    }
  };

  const canRetry = task.status === 'failed' || task.status === 'cancelled';
  return (
    <span class="actions">
      {!isTerminalStatus(task.status) && !confirming ? (
        <button type="button" class="button" disabled={busy} onClick={() => setConfirming(true)}>
          Cancel
        </button>
      ) : null}
      {!isTerminalStatus(task.status) && confirming ? (
        <>
          <span class="confirm-label">Cancel this task?</span>
          <button
            type="button"
            class="button button-danger"
            disabled={busy}
            onClick={() => run((id) => api.cancel(id))}
          >
            Yes, cancel
          </button>
          <button type="button" class="button" onClick={() => setConfirming(false)}>
            Keep it
          </button>
        </>
      ) : null}
      {task.status === 'scheduled' && !confirming ? (
        <button type="button" class="button" disabled={busy} onClick={() => run((id) => api.promote(id))}>
          Run now
        </button>
      ) : null}
      {canRetry ? (
        <button type="button" class="button" disabled={busy} onClick={() => run((id) => api.retry(id))}>
          Retry
        </button>
      ) : null}
      {error ? <span class="inline-error">{error}</span> : null}
    </span>
  );
}
