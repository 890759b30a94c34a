import type { CancelGroupOutput, GroupSummary } from '@kaygraph/contracts';
import { isTerminalGroupStatus } from '@kaygraph/contracts';
import { useState } from 'preact/hooks';
import { errorLine, useActionError, useServices } from '../data/hooks.ts';
import { ConfirmAction } from './confirm-action.tsx';

/**
 * "Cancel group" for an unfinished group (asked once more: cancelled runs cannot be resumed): `groups.cancel`
 * of its unfinished tasks, then how many it cancelled, which stays once the button is gone with the
 * finished group. What the api refuses (409: it finished meanwhile) shows beside the button.
 */
export function CancelGroup({
  group,
  onCancelled,
}: {
  group: Pick<GroupSummary, 'group_id' | 'status'>;
  /** The page shows the group's state after the cancel. */
  onCancelled: (output: CancelGroupOutput) => void;
}) {
  const { api } = useServices();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useActionError();
  const [outcome, setOutcome] = useState<string | null>(null);
  const finished = isTerminalGroupStatus(group.status);
  if (finished && !outcome && !error) return null;

  const cancel = async () => {
    setBusy(true);
    setError(null);
    setOutcome(null);
    try {
      const answer = await api.optional.cancelGroup(group.group_id);
      if (answer.state === 'unavailable') setError(answer.reason);
      else {
        setOutcome(cancelledText(answer.value.cancelled));
        onCancelled(answer.value);
      }
    } catch (cause) {
      setError(errorLine(api.describeError(cause)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <span class="actions" data-testid="cancel-group">
      {finished ? null : (
        <ConfirmAction
          label={busy ? 'Cancelling…' : 'Cancel group'}
          question="Cancel every unfinished task of this group?"
          confirm="Yes, cancel the group"
          danger
          disabled={busy}
          onConfirm={() => void cancel()}
        />
      )}
      {outcome ? (
        <span class="inline-ok" role="status">
          {outcome}
        </span>
      ) : null}
      {error ? (
        <span class="inline-error" role="alert">
          {error}
        </span>
      ) : null}
    </span>
  );
}

function cancelledText(count: number): string {
  return count === 0
    ? 'No unfinished task to cancel.'
    : `Cancelled ${count} ${count === 1 ? 'task' : 'tasks'}.`;
}
