import type { MoveVersionTasksOutput, WorkflowVersionInfo } from '@kaygraph/contracts';
import { useState } from 'preact/hooks';
import { errorLine, useServices } from '../data/hooks.ts';

/** A version whose tasks nothing runs any more: not current, no live worker, tasks left. */
export function isRetired(version: WorkflowVersionInfo): boolean {
  return !version.current && version.workers.length === 0 && version.unfinished_tasks > 0;
}

/**
 * "Move tasks to current" for a retired version, asked once more first (with or without the tasks that
 * resume from a checkpoint of its graph). Admins only: another key's 403 shows beside the button.
 */
export function VersionMoveAction({
  workflow,
  version,
  current,
  onMoved,
}: {
  workflow: string;
  version: WorkflowVersionInfo;
  current: string;
  onMoved: (outcome: MoveVersionTasksOutput) => void;
}) {
  const { api } = useServices();
  const [confirming, setConfirming] = useState(false);
  const [includeCheckpoints, setIncludeCheckpoints] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const move = async () => {
    setBusy(true);
    setConfirming(false);
    setError(null);
    try {
      const input = { name: workflow, version: version.version, include_checkpoints: includeCheckpoints };
      onMoved(await api.moveVersionTasks(input));
    } catch (cause) {
      setError(errorLine(api.describeError(cause)));
    } finally {
      setBusy(false);
      setIncludeCheckpoints(false);
    }
  };

  const count = version.unfinished_tasks;
  return (
    <span class="actions">
      {confirming ? (
        <>
          <span class="confirm-label">
            Move {count} task{count === 1 ? '' : 's'} to {current}?
          </span>
          <label
            class="confirm-option"
            title="They resume from a checkpoint of this version's graph: the current graph must still have the node they stopped at"
          >
            <input
              type="checkbox"
              checked={includeCheckpoints}
              onChange={(event) => setIncludeCheckpoints(event.currentTarget.checked)}
            />{' '}
            Include waiting and retried tasks
          </label>
          <button type="button" class="button button-primary" disabled={busy} onClick={move}>
            Yes, move
          </button>
          <button type="button" class="button" onClick={() => setConfirming(false)}>
            Keep them
          </button>
        </>
      ) : (
        <button type="button" class="button" disabled={busy} onClick={() => setConfirming(true)}>
          Move tasks to current
        </button>
      )}
      {error ? <span class="inline-error">{error}</span> : null}
    </span>
  );
}
