import type { SignalTaskOutput } from '@kaygraph/contracts';
import { useMemo, useState } from 'preact/hooks';
import type { ErrorDetails } from '../data/api.ts';
import { useServices } from '../data/hooks.ts';
import { newFormKey } from '../lib/form-key.ts';
import type { JsonSchema } from '../lib/json-schema.ts';
import { collectParams, type FormValues, initialValues } from '../lib/schema-form.ts';
import { signalFormOf } from '../lib/signal-form.ts';
import { SchemaFields } from './schema-form.tsx';

/** How the last signal sent from this page went: kept by the page, so it outlives the wait it ended. */
export type SignalOutcome =
  | { ok: true; name: string; answer: SignalTaskOutput }
  | { ok: false; name: string; error: ErrorDetails };

/**
 * The payload form of the signal a task waits for, generated from the schema the workflow declared:
 * Approve / Reject for its boolean decision, or one Send button. The api checks the payload again and
 * answers 400 (a field that does not fit) or 409 (the task no longer waits for it). Every send of one
 * form shown (one wait: the caller keys the form by it) carries the same idempotency key, so a double
 * click or a resend cannot signal twice, nor reach the task's next wait.
 */
export function SignalForm({
  taskId,
  signal,
  schema,
  onOutcome,
}: {
  taskId: string;
  signal: string;
  schema: JsonSchema;
  onOutcome: (outcome: SignalOutcome) => void;
}) {
  const { api, live } = useServices();
  const form = useMemo(() => signalFormOf(schema), [schema]);
  const [values, setValues] = useState<FormValues>(() => initialValues(form.fields));
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [idempotencyKey] = useState(newFormKey);

  const send = async (decision: boolean | null) => {
    const collected = collectParams(form.fields, values);
    setFieldErrors(collected.errors);
    if (Object.keys(collected.errors).length > 0) return;
    const payload =
      form.decision && decision !== null
        ? { ...collected.params, [form.decision]: decision }
        : collected.params;
    setBusy(true);
    try {
      const answer = await api.signal(taskId, signal, payload, idempotencyKey);
      onOutcome({ ok: true, name: signal, answer });
      await live.reload(taskId).catch(() => undefined);
    } catch (cause) {
      const error = api.describeError(cause);
      const byField: Record<string, string> = {};
      for (const issue of error.issues) {
        const path = issue.path.replace(/^payload\.?/, '');
        if (path) byField[path] = issue.message;
      }
      setFieldErrors(byField);
      onOutcome({ ok: false, name: signal, error });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      class="signal-form"
      data-testid="signal-form"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        // with a decision, only Approve / Reject send (Enter in a field does not pick one)
        if (!form.decision) void send(null);
      }}
    >
      <SchemaFields
        fields={form.fields}
        values={values}
        errors={fieldErrors}
        onChange={(path, value) => setValues((previous) => ({ ...previous, [path]: value }))}
      />
      <div class="actions">
        {form.decision ? (
          <>
            <button type="button" class="button button-primary" disabled={busy} onClick={() => send(true)}>
              Approve
            </button>
            <button type="button" class="button button-danger" disabled={busy} onClick={() => send(false)}>
              Reject
            </button>
          </>
        ) : (
          <button type="submit" class="button button-primary" disabled={busy}>
            Send {signal}
          </button>
        )}
      </div>
    </form>
  );
}

/** The api's answer to the last signal, said plainly: what happened, or the status and why not. */
export function SignalOutcomeNotice({ outcome }: { outcome: SignalOutcome }) {
  if (outcome.ok) {
    return (
      <p class="notice notice-ok" role="status" data-testid="signal-outcome">
        Signal <code>{outcome.name}</code>{' '}
        {outcome.answer.deduplicated ? 'already sent from this form, ' : ''}
        {outcome.answer.taken === 'resumed'
          ? 'received: the task goes on.'
          : 'stored: the task takes it when it reaches the wait.'}
      </p>
    );
  }
  const { status, code, message } = outcome.error;
  const heading = [status, code].filter((part) => part !== null).join(' ');
  const hint =
    status === 409
      ? ' The task is no longer waiting for this signal (another answer came first, or the deadline passed).'
      : '';
  return (
    <div class="notice notice-error" role="alert" data-testid="signal-outcome">
      {heading ? <strong>{heading}: </strong> : null}
      {message}
      {hint}
    </div>
  );
}
