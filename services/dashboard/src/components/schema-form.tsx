import type { FormField, FormValues } from '../lib/schema-form.ts';

/** Inputs for the fields `fieldsOf` derived from a params schema. */
export function SchemaFields({
  fields,
  values,
  errors,
  onChange,
}: {
  fields: readonly FormField[];
  values: FormValues;
  errors: Record<string, string>;
  onChange: (path: string, value: string | boolean) => void;
}) {
  return (
    <>
      {fields.map((field) =>
        field.kind === 'group' ? (
          <fieldset key={field.path} class="field-group">
            <legend>{field.label}</legend>
            {field.description ? <p class="hint">{field.description}</p> : null}
            <SchemaFields fields={field.fields} values={values} errors={errors} onChange={onChange} />
          </fieldset>
        ) : (
          <Field
            key={field.path}
            field={field}
            value={values[field.path]}
            error={errors[field.path]}
            onChange={onChange}
          />
        ),
      )}
    </>
  );
}

function Field({
  field,
  value,
  error,
  onChange,
}: {
  field: Exclude<FormField, { kind: 'group' }>;
  value: string | boolean | undefined;
  error: string | undefined;
  onChange: (path: string, value: string | boolean) => void;
}) {
  const id = `param-${field.path}`;
  const text = typeof value === 'string' ? value : '';
  const onInput = (event: Event) => {
    const target = event.currentTarget as HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;
    onChange(field.path, target.value);
  };
  let input: preact.JSX.Element;
  switch (field.kind) {
    case 'boolean':
      input = (
        <input
          id={id}
          name={field.path}
          type="checkbox"
          checked={value === true}
          onChange={(event) => onChange(field.path, event.currentTarget.checked)}
        />
      );
      break;
    case 'choice':
      input = (
        <select id={id} name={field.path} value={text} onChange={onInput}>
          {field.required ? null : <option value="">(default)</option>}
          {field.options.map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      );
      break;
    case 'number':
      input = (
        <input
          id={id}
          name={field.path}
          type="number"
          inputMode={field.integer ? 'numeric' : 'decimal'}
          step={field.integer ? 1 : 'any'}
          min={field.min ?? undefined}
          max={field.max ?? undefined}
          value={text}
          onInput={onInput}
        />
      );
      break;
    case 'list':
      input = (
        <textarea
          id={id}
          name={field.path}
          rows={3}
          value={text}
          onInput={onInput}
          placeholder="one per line"
        />
      );
      break;
    case 'json':
      input = (
        <textarea
          id={id}
          name={field.path}
          rows={Math.min(8, Math.max(3, field.example.split('\n').length))}
          class="code"
          value={text}
          onInput={onInput}
          placeholder={field.example}
        />
      );
      break;
    case 'text':
      input = field.multiline ? (
        <textarea id={id} name={field.path} rows={4} value={text} onInput={onInput} />
      ) : (
        <input
          id={id}
          name={field.path}
          type={field.format === 'date-time' ? 'datetime-local' : 'text'}
          value={text}
          onInput={onInput}
        />
      );
      break;
  }
  return (
    <div class={`field${error ? ' field-invalid' : ''}`}>
      <label for={id}>
        {field.label}
        {field.required ? <span class="required">*</span> : null}
        <code class="field-path">{field.path}</code>
      </label>
      {input}
      {field.description ? <p class="hint">{field.description}</p> : null}
      {field.kind === 'json' && field.shapes.length > 1 ? (
        <p class="hint">
          JSON, one of: <code>{field.shapes.join('  |  ')}</code>
        </p>
      ) : null}
      {error ? <p class="field-error">{error}</p> : null}
    </div>
  );
}
