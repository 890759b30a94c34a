/**
 * Turns a workflow's params JSON Schema (as `z.toJSONSchema` writes it) into form fields, and the
 * form's raw input strings back into params. What has no natural input (unions of objects, maps,
 * arrays of objects) becomes a JSON text field, so every workflow can still be submitted.
 */

import {
  asRecord,
  enumOptions,
  exampleOf,
  isString,
  type JsonSchema,
  numberOrNull,
  resolve,
  shapesOf,
  singleType,
} from './json-schema.ts';

export type { JsonSchema } from './json-schema.ts';

interface FieldBase {
  /** Dotted path inside params, e.g. `generate.rows`. */
  path: string;
  label: string;
  description: string | null;
  required: boolean;
}

export type FormField =
  | (FieldBase & { kind: 'text'; format: string | null; multiline: boolean; defaultValue: string })
  | (FieldBase & { kind: 'choice'; options: string[]; defaultValue: string })
  | (FieldBase & {
      kind: 'number';
      integer: boolean;
      min: number | null;
      max: number | null;
      defaultValue: string;
    })
  | (FieldBase & { kind: 'boolean'; defaultValue: boolean })
  | (FieldBase & { kind: 'list'; itemType: 'string' | 'number' | 'integer'; defaultValue: string })
  | (FieldBase & { kind: 'group'; fields: FormField[] })
  | (FieldBase & { kind: 'json'; defaultValue: string; example: string; shapes: string[] });

export type FormValues = Record<string, string | boolean>;

export interface CollectedParams {
  params: Record<string, unknown>;
  /** Field path -> message, for inputs that cannot become the schema's type. */
  errors: Record<string, string>;
}

const MAX_GROUP_DEPTH = 3;

export function fieldsOf(schema: JsonSchema): FormField[] {
  const root = resolve(schema, schema);
  return objectFields(root, root, '', 0);
}

function objectFields(root: JsonSchema, schema: JsonSchema, prefix: string, depth: number): FormField[] {
  const properties = asRecord(schema.properties);
  if (!properties) return [];
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter(isString) : []);
  return Object.entries(properties).map(([key, value]) =>
    fieldOf(root, resolve(root, asRecord(value) ?? {}), `${prefix}${key}`, key, required.has(key), depth),
  );
}

function fieldOf(
  root: JsonSchema,
  schema: JsonSchema,
  path: string,
  key: string,
  required: boolean,
  depth: number,
): FormField {
  const base = {
    path,
    label: typeof schema.title === 'string' ? schema.title : humanize(key),
    description: typeof schema.description === 'string' ? schema.description : null,
    required: required && schema.default === undefined,
  };
  const fallback: FormField = {
    ...base,
    kind: 'json',
    defaultValue: jsonDefault(schema.default),
    example: JSON.stringify(exampleOf(root, schema, 0), null, 2),
    shapes: shapesOf(root, schema),
  };
  const options = enumOptions(schema);
  if (options) return { ...base, kind: 'choice', options, defaultValue: stringDefault(schema.default) };
  switch (singleType(schema)) {
    case 'string':
      return {
        ...base,
        kind: 'text',
        format: typeof schema.format === 'string' ? schema.format : null,
        multiline: typeof schema.maxLength === 'number' && schema.maxLength > 200,
        defaultValue: stringDefault(schema.default),
      };
    case 'integer':
    case 'number':
      return {
        ...base,
        kind: 'number',
        integer: singleType(schema) === 'integer',
        min: numberOrNull(schema.minimum ?? schema.exclusiveMinimum),
        max: numberOrNull(schema.maximum ?? schema.exclusiveMaximum),
        defaultValue: stringDefault(schema.default),
      };
    case 'boolean':
      return { ...base, kind: 'boolean', defaultValue: schema.default === true };
    case 'array': {
      const items = resolve(root, asRecord(schema.items) ?? {});
      const itemType = singleType(items);
      if (itemType === 'string' || itemType === 'number' || itemType === 'integer') {
        const defaults = Array.isArray(schema.default) ? schema.default.map(String).join('\n') : '';
        return { ...base, kind: 'list', itemType, defaultValue: defaults };
      }
      return fallback;
    }
    case 'object':
      if (depth < MAX_GROUP_DEPTH && asRecord(schema.properties) && schema.additionalProperties !== true) {
        return { ...base, kind: 'group', fields: objectFields(root, schema, `${path}.`, depth + 1) };
      }
      return fallback;
    default:
      return fallback;
  }
}

/** The starting values: the schema's defaults, so an untouched form submits the defaults. */
export function initialValues(fields: readonly FormField[]): FormValues {
  const values: FormValues = {};
  for (const field of fields) {
    if (field.kind === 'group') Object.assign(values, initialValues(field.fields));
    else values[field.path] = field.defaultValue;
  }
  return values;
}

/** Reads the form back into params; empty optional inputs are left out so server defaults apply. */
export function collectParams(fields: readonly FormField[], values: FormValues): CollectedParams {
  const errors: Record<string, string> = {};
  const params = collectInto(fields, values, errors);
  return { params, errors };
}

function collectInto(
  fields: readonly FormField[],
  values: FormValues,
  errors: Record<string, string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const key = field.path.split('.').at(-1) ?? field.path;
    if (field.kind === 'group') {
      // An optional group left blank is left out whole: its required fields only bind once used.
      if (!field.required && !hasInput(field.fields, values)) continue;
      out[key] = collectInto(field.fields, values, errors);
      continue;
    }
    const raw = values[field.path];
    if (field.kind === 'boolean') {
      out[key] = raw === true;
      continue;
    }
    const text = typeof raw === 'string' ? raw : '';
    if (text.trim() === '') {
      if (field.required) errors[field.path] = `${field.label} is required`;
      continue;
    }
    const parsed = parseField(field, text);
    if (parsed.ok) out[key] = parsed.value;
    else errors[field.path] = parsed.message;
  }
  return out;
}

function hasInput(fields: readonly FormField[], values: FormValues): boolean {
  return fields.some((field) => {
    if (field.kind === 'group') return hasInput(field.fields, values);
    const value = values[field.path];
    // Defaults are pre-filled, so only a value the user changed counts as using the group.
    if (field.kind === 'boolean') return value !== field.defaultValue;
    return typeof value === 'string' && value.trim() !== '' && value !== field.defaultValue;
  });
}

type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

function parseField(field: FormField, text: string): Parsed {
  switch (field.kind) {
    case 'number':
      return parseNumber(text.trim(), field.integer, field.label);
    case 'list': {
      const items = text
        .split(/[\n,]/)
        .map((item) => item.trim())
        .filter(Boolean);
      if (field.itemType === 'string') return { ok: true, value: items };
      const numbers: number[] = [];
      for (const item of items) {
        const parsed = parseNumber(item, field.itemType === 'integer', field.label);
        if (!parsed.ok) return parsed;
        numbers.push(parsed.value as number);
      }
      return { ok: true, value: numbers };
    }
    case 'json':
      try {
        return { ok: true, value: JSON.parse(text) };
      } catch {
        return { ok: false, message: `${field.label} must be valid JSON` };
      }
    case 'text':
      if (field.format === 'date-time') {
        const date = new Date(text);
        if (Number.isNaN(date.getTime()))
          return { ok: false, message: `${field.label} must be a date and time` };
        return { ok: true, value: date.toISOString() };
      }
      return { ok: true, value: text };
    default:
      return { ok: true, value: text };
  }
}

function parseNumber(text: string, integer: boolean, label: string): Parsed {
  const value = Number(text);
  if (!Number.isFinite(value)) return { ok: false, message: `${label} must be a number` };
  if (integer && !Number.isInteger(value)) return { ok: false, message: `${label} must be a whole number` };
  return { ok: true, value };
}

function humanize(key: string): string {
  const spaced = key.replace(/[_-]+/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

function stringDefault(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

function jsonDefault(value: unknown): string {
  return value === undefined ? '' : JSON.stringify(value, null, 2);
}
