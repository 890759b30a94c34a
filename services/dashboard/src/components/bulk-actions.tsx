import type { CleanTasksOutput, TerminalStatus } from '@kaygraph/contracts';
import { useState } from 'preact/hooks';
import { allInBatches, type BatchAnswer } from '../data/all-in-batches.ts';
import type { Optional } from '../data/api.ts';
import { errorLine, useActionError, useServices } from '../data/hooks.ts';
import { ConfirmAction } from './confirm-action.tsx';

/** "Retry all failed" of one workflow (null: all): the api's dead-letter redrive, a batch per call. */
export function RetryAllFailed({ workflow, onDone }: { workflow: string | null; onDone?: () => void }) {
  const { api } = useServices();
  return (
    <BulkAction
      label="Retry all failed"
      question={workflow ? `Retry every failed task of ${workflow}?` : 'Retry every failed task?'}
      confirm="Yes, retry all"
      run={() => api.optional.redriveAll(workflow ?? undefined)}
      outcome={(count) => (count === 0 ? 'No failed task to retry' : `Retried ${tasks(count)}`)}
      again="Retry all failed"
      onDone={onDone}
    />
  );
}

/** "Cancel all queued" of one workflow, every owner's (admins: another key sees the api's 403). */
export function CancelAllQueued({ workflow, onDone }: { workflow: string; onDone?: () => void }) {
  const { api } = useServices();
  return (
    <BulkAction
      label="Cancel all queued"
      question={`Cancel every queued task of ${workflow}?`}
      confirm="Yes, cancel all"
      danger
      run={() => api.optional.cancelQueued(workflow)}
      outcome={(count) => (count === 0 ? 'No queued task to cancel' : `Cancelled ${tasks(count)}`)}
      again="Cancel all queued"
      onDone={onDone}
    />
  );
}

/**
 * "Remove all <status>" (null: every finished status) of one workflow (null: all): `tasks.clean` of those
 * that finished before the click, by the server's clock (the browser's may be off): the first call takes
 * the server's now as its cutoff, and the later ones pass that on. Tasks an unfinished dependent or group
 * still reads stay.
 */
export function CleanFinished({
  status,
  workflow,
  onDone,
}: {
  status: TerminalStatus | null;
  workflow: string | null;
  onDone?: () => void;
}) {
  const { api, live } = useServices();
  const which = status ?? 'finished';
  const label = `Remove all ${which}`;
  return (
    <BulkAction
      label={label}
      question={`Remove every ${which} task${workflow ? ` of ${workflow}` : ''} for good? Those an unfinished task or group still reads stay.`}
      confirm="Yes, remove all"
      danger
      run={async (previous: CleanTasksOutput | undefined) => {
        const answer = await api.optional.clean({
          status: status ? [status] : undefined,
          workflow: workflow ?? undefined,
          finished_before: previous?.finished_before,
        });
        // The answer lists the matched tasks only: the store forgets their child tasks with them.
        if (answer.state === 'ready') live.store.forget(answer.value.task_ids);
        return answer;
      }}
      outcome={(count) => (count === 0 ? `No ${which} task to remove` : `Removed ${tasks(count)}`)}
      again={label}
      onDone={onDone}
    />
  );
}

function tasks(count: number): string {
  return `${count} ${count === 1 ? 'task' : 'tasks'}`;
}

/**
 * An action on every task of a kind: asked once more (ConfirmAction), called while the api says more remain
 * (`has_more`; it takes MAX_BATCH_SIZE a call), then how many it handled, beside the button.
 */
function BulkAction<T extends BatchAnswer>(props: {
  label: string;
  question: string;
  confirm: string;
  danger?: boolean;
  /** One call; `previous` is this action's answer before it (none for the first). */
  run: (previous: T | undefined) => Promise<Optional<T>>;
  /** What was done, from the count (`removed` when the answer has it, else the listed tasks): "Retried 3 tasks". */
  outcome: (count: number) => string;
  /** The button to press again when more may remain. */
  again: string;
  onDone?: (() => void) | undefined;
}) {
  const { api } = useServices();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useActionError();
  const [outcome, setOutcome] = useState<string | null>(null);

  const act = async () => {
    setBusy(true);
    setError(null);
    setOutcome(null);
    const report = await allInBatches(props.run);
    if (report.state === 'unavailable') setError(report.reason);
    else if (report.error) {
      const line = errorLine(api.describeError(report.error));
      setError(report.done === 0 ? line : `${props.outcome(report.done)}, then: ${line}`);
    } else {
      const done = props.outcome(report.done);
      setOutcome(report.more ? `${done}; more may remain: ${props.again} again.` : `${done}.`);
    }
    setBusy(false);
    props.onDone?.();
  };

  return (
    <span class="actions bulk-action">
      <ConfirmAction
        label={busy ? 'Working…' : props.label}
        question={props.question}
        confirm={props.confirm}
        danger={props.danger}
        disabled={busy}
        onConfirm={act}
      />
      {outcome ? (
        <span class="inline-ok" role="status" data-testid="bulk-outcome">
          {outcome}
        </span>
      ) : null}
      {error ? (
        <span class="inline-error" role="alert" data-testid="bulk-error">
          {error}
        </span>
      ) : null}
    </span>
  );
}
