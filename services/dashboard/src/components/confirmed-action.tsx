import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { errorLine, useActionError, useServices } from '../data/hooks.ts';
import { ConfirmAction } from './confirm-action.tsx';

/**
 * A danger button asked once more (ConfirmAction) that runs `run`, disabled while it runs; what `run`
 * returns (an unavailable feature) or throws (what the api refused) shows beside it until the next try.
 * `children` (an outcome) shows beside it too; with `offered` false only those and an error remain.
 */
export function ConfirmedAction({
  testId,
  label,
  busyLabel,
  question,
  confirm,
  offered = true,
  run,
  children,
}: {
  testId: string;
  label: string;
  busyLabel: string;
  question: string;
  confirm: string;
  offered?: boolean;
  /** Runs the action: an error line to show, or nothing once it is done. */
  run: () => Promise<string | undefined>;
  children?: ComponentChildren;
}) {
  const { api } = useServices();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useActionError();
  if (!offered && !error && !children) return null;

  const go = async () => {
    setBusy(true);
    setError(null);
    try {
      setError((await run()) ?? null);
    } catch (cause) {
      setError(errorLine(api.describeError(cause)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <span class="actions" data-testid={testId}>
      {offered ? (
        <ConfirmAction
          label={busy ? busyLabel : label}
          question={question}
          confirm={confirm}
          danger
          disabled={busy}
          onConfirm={() => void go()}
        />
      ) : null}
      {children}
      {error ? (
        <span class="inline-error" role="alert">
          {error}
        </span>
      ) : null}
    </span>
  );
}
