import type { Priority, SubmitTaskInput, WorkflowInfo } from '@kaygraph/contracts';
import { PRIORITIES, TimeoutSeconds } from '@kaygraph/contracts';
import { useMemo, useState } from 'preact/hooks';
import { SchemaFields } from '../components/schema-form.tsx';
import { EmptyState, ErrorNotice, Loading, Panel } from '../components/states.tsx';
import { WorkflowDefaults } from '../components/workflow-defaults.tsx';
import { WorkflowPause } from '../components/workflow-pause.tsx';
import { WorkflowVersions } from '../components/workflow-versions.tsx';
import { useQuery, useServices } from '../data/hooks.ts';
import { formatDuration } from '../lib/format.ts';
import { collectParams, type FormValues, fieldsOf, initialValues } from '../lib/schema-form.ts';
import { href, taskHref } from '../router.ts';

/**
 * The workflows workers registered: submit one through a form generated from its params schema, and see
 * its defaults and which of its versions run on which workers.
 */
export function SubmitPage({ workflow }: { workflow: string | null }) {
  const { api } = useServices();
  const [workflows, reloadWorkflows] = useQuery('workflows', () => api.listWorkflows());
  if (workflows.state === 'loading') return <Loading />;
  if (workflows.state === 'error') return <ErrorNotice message={workflows.message} />;
  const list = workflows.value;
  if (list.length === 0) {
    return (
      <EmptyState title="No worker has registered a workflow yet">
        Workflows appear here once a worker that runs them starts (`npm run start:worker`, or `npm start`).
      </EmptyState>
    );
  }
  const selected =
    list.find((info) => info.name === workflow || info.aliases.includes(workflow ?? '')) ?? list[0];
  if (!selected) return null;
  return (
    <div class="page submit-layout">
      <nav class="workflow-list" aria-label="Workflows">
        {list.map((info) => (
          <a
            key={info.name}
            href={href({ page: 'submit', workflow: info.name })}
            class={info.name === selected.name ? 'workflow-item active' : 'workflow-item'}
          >
            <strong>
              {info.name} {info.paused ? <span class="badge badge-paused">paused</span> : null}
            </strong>
            <span>{info.description}</span>
          </a>
        ))}
      </nav>
      <div class="submit-main">
        <WorkflowPause key={`pause-${selected.name}`} workflow={selected} onChanged={reloadWorkflows} />
        <SubmitForm key={selected.name} workflow={selected} />
        <WorkflowDefaults workflow={selected} />
        <WorkflowVersions key={selected.name} workflow={selected} onMoved={reloadWorkflows} />
      </div>
    </div>
  );
}

function SubmitForm({ workflow }: { workflow: WorkflowInfo }) {
  const { api, live } = useServices();
  const fields = useMemo(() => fieldsOf(workflow.params_schema), [workflow]);
  const [values, setValues] = useState<FormValues>(() => initialValues(fields));
  const [priority, setPriority] = useState<Priority>(workflow.defaults.priority);
  const [maxRetries, setMaxRetries] = useState('');
  const [timeout, setTimeoutSeconds] = useState('');
  const [runAt, setRunAt] = useState('');
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [submitError, setSubmitError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const collected = collectParams(fields, values);

  const onSubmit = async (event: Event) => {
    event.preventDefault();
    setFieldErrors(collected.errors);
    setSubmitError(null);
    if (Object.keys(collected.errors).length > 0) return;
    const input: SubmitTaskInput = { workflow: workflow.name, params: collected.params, priority };
    if (maxRetries.trim() !== '') input.max_retries = Number(maxRetries);
    if (timeout.trim() !== '') input.timeout_seconds = Number(timeout);
    if (runAt !== '') input.run_at = new Date(runAt).toISOString();
    setBusy(true);
    try {
      const submitted = await api.submit(input);
      await live.reload(submitted.task_id).catch(() => undefined);
      window.location.hash = taskHref(submitted.task_id);
    } catch (cause) {
      // The server checks params against the workflow's own schema: show its issues at the fields.
      const details = api.describeError(cause);
      const byField: Record<string, string> = {};
      for (const issue of details.issues) {
        const path = issue.path.replace(/^params\.?/, '');
        if (issue.path.startsWith('params') && path) byField[path] = issue.message;
      }
      setFieldErrors(byField);
      setSubmitError(details.message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Panel title={`Submit ${workflow.name}`}>
      <form class="submit-form" onSubmit={onSubmit} noValidate data-testid="submit-form">
        <p class="hint">{workflow.description}</p>
        {fields.length === 0 ? <p class="hint">This workflow takes no params.</p> : null}
        <SchemaFields
          fields={fields}
          values={values}
          errors={fieldErrors}
          onChange={(path, value) => setValues((previous) => ({ ...previous, [path]: value }))}
        />
        <fieldset class="field-group">
          <legend>Options</legend>
          <div class="field-row">
            <div class="field">
              <label for="opt-priority">Priority</label>
              <select
                id="opt-priority"
                name="priority"
                value={priority}
                onChange={(event) => setPriority(event.currentTarget.value as Priority)}
              >
                {PRIORITIES.map((value) => (
                  <option key={value} value={value}>
                    {value}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for="opt-retries">Max retries</label>
              <input
                id="opt-retries"
                type="number"
                min={0}
                max={50}
                placeholder={String(workflow.defaults.max_retries)}
                value={maxRetries}
                onInput={(event) => setMaxRetries(event.currentTarget.value)}
              />
            </div>
            <div class="field">
              <label for="opt-timeout">Timeout (s)</label>
              <input
                id="opt-timeout"
                type="number"
                min={TimeoutSeconds.minValue ?? undefined}
                max={TimeoutSeconds.maxValue ?? undefined}
                placeholder={String(workflow.defaults.timeout_seconds ?? 'server default')}
                title={
                  workflow.defaults.timeout_seconds === null
                    ? "default: the server's TASK_TIMEOUT"
                    : `default ${formatDuration(workflow.defaults.timeout_seconds)}`
                }
                value={timeout}
                onInput={(event) => setTimeoutSeconds(event.currentTarget.value)}
              />
            </div>
            <div class="field">
              <label for="opt-run-at">Run at</label>
              <input
                id="opt-run-at"
                type="datetime-local"
                value={runAt}
                onInput={(event) => setRunAt(event.currentTarget.value)}
              />
            </div>
          </div>
        </fieldset>
        <details class="preview">
          <summary>Params as JSON</summary>
          <pre class="json">{JSON.stringify(collected.params, null, 2)}</pre>
        </details>
        {submitError ? <ErrorNotice message={submitError} /> : null}
        <button type="submit" class="button button-primary" disabled={busy}>
          {busy ? 'Submitting…' : 'Submit task'}
        </button>
      </form>
    </Panel>
  );
}
