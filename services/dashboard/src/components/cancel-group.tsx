import type { CancelGroupOutput, GroupSummary } from '@kaygraph/contracts';
import { isTerminalGroupStatus } from '@kaygraph/contracts';
import { useState } from 'preact/hooks';
import { useServices } from '../data/hooks.ts';
import { ConfirmedAction } from './confirmed-action.tsx';

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
  const [outcome, setOutcome] = useState<string | null>(null);

  const cancel = async () => {
    setOutcome(null);
    const answer = await api.optional.cancelGroup(group.group_id);
    if (answer.state === 'unavailable') return answer.reason;
    setOutcome(cancelledText(answer.value.cancelled));
    onCancelled(answer.value);
    return undefined;
  };

  return (
    <ConfirmedAction
      testId="cancel-group"
      label="Cancel group"
      busyLabel="Cancelling…"
      question="Cancel every unfinished task of this group?"
      confirm="Yes, cancel the group"
      offered={!isTerminalGroupStatus(group.status)}
      run={cancel}
    >
      {outcome ? (
        <span class="inline-ok" role="status">
          {outcome}
        </span>
      ) : null}
    </ConfirmedAction>
  );
}

function cancelledText(count: number): string {
  return count === 0
    ? 'No unfinished task to cancel.'
    : `Cancelled ${count} ${count === 1 ? 'task' : 'tasks'}.`;
}
