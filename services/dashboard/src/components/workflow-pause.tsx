import type { WorkflowInfo } from '@kaygraph/contracts';
import { useState } from 'preact/hooks';
import { errorLine, useServices } from '../data/hooks.ts';
import { formatTime } from '../lib/format.ts';

/**
 * A workflow's pause, with the button that changes it: paused, its tasks are submitted and wait in the
 * queue while no worker starts one; resumed, the workers start them at once. Admins only: another key's
 * 403 shows beside the button. `onChanged` reads the workflows again.
 */
export function WorkflowPause({ workflow, onChanged }: { workflow: WorkflowInfo; onChanged: () => void }) {
  const { api } = useServices();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const change = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.setWorkflowPaused(workflow.name, !workflow.paused);
      onChanged();
    } catch (cause) {
      setError(errorLine(api.describeError(cause)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="workflow-pause" data-testid="workflow-pause">
      {workflow.paused ? (
        <span class="pause-state">
          <span class="badge badge-paused">paused</span> since {formatTime(workflow.paused_at ?? '')}: new
          tasks wait in the queue, no worker starts one
        </span>
      ) : (
        <span class="pause-state muted">Workers start its tasks as they are queued.</span>
      )}
      <span class="actions">
        <button type="button" class="button" disabled={busy} onClick={change}>
          {workflow.paused ? 'Resume workflow' : 'Pause workflow'}
        </button>
        {error ? <span class="inline-error">{error}</span> : null}
      </span>
    </div>
  );
}
