import { asRecord, isString, type JsonSchema, resolve, singleType } from './json-schema.ts';
import { type FormField, fieldsOf } from './schema-form.ts';

/**
 * The form of a signal's payload, from the JSON Schema the workflow declared. A required boolean
 * field at the top (`approved`) is the decision: Approve / Reject buttons set it, the other
 * fields (a note) go along; without one the form has a single Send button.
 */
export interface SignalForm {
  fields: FormField[];
  /** The boolean field the buttons answer, or null. */
  decision: string | null;
}

export function signalFormOf(schema: JsonSchema): SignalForm {
  const root = resolve(schema, schema);
  const properties = asRecord(root.properties) ?? {};
  const required = Array.isArray(root.required) ? root.required.filter(isString) : [];
  const decision =
    required.find((key) => singleType(resolve(root, asRecord(properties[key]) ?? {})) === 'boolean') ?? null;
  const fields = fieldsOf(schema).filter((field) => field.path !== decision);
  return { fields, decision };
}
