import type { TaskSummary } from '@kaygraph/contracts';
import { isTerminalStatus } from '@kaygraph/contracts';
import { useState } from 'preact/hooks';
import { errorMessage, useServices } from '../data/hooks.ts';

/** Cancel for live tasks, retry for failed or cancelled ones; errors show beside the button. */
export function TaskActions({ task }: { task: Pick<TaskSummary, 'task_id' | 'status'> }) {
  const { api, live } = useServices();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const run = async (action: (taskId: string) => Promise<unknown>) => {
    setBusy(true);
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
      {!isTerminalStatus(task.status) ? (
        <button
          type="button"
          class="button button-danger"
          disabled={busy}
          onClick={() => run((id) => api.cancel(id))}
        >
          Cancel
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
