import { z } from 'zod';

/** One column of a dataset: how to validate it and how to repair what can be repaired. */
export const FieldSpec = z.object({
  name: z.string().min(1).max(100),
  type: z.enum(['number', 'integer', 'string', 'boolean', 'date']),
  required: z.boolean().default(false),
  min: z.number().optional(),
  max: z.number().optional(),
  /** Allowed values of a string field; a value differing only in case or spacing is repaired. */
  values: z.array(z.string()).max(1000).optional(),
  /** Fills a missing value (counted as a repair). */
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
});
export type FieldSpec = z.output<typeof FieldSpec>;

export type CleanValue = string | number | boolean | null;
export type CleanRecord = Record<string, CleanValue>;

export type CleanOutcome =
  | { ok: true; record: CleanRecord; repairs: string[] }
  | { ok: false; reason: string };

type FieldOutcome = { ok: true; value: CleanValue; repaired: boolean } | { ok: false; reason: string };

const BOOLEAN_WORDS: Record<string, boolean> = {
  true: true,
  false: false,
  yes: true,
  no: false,
  y: true,
  n: false,
  '1': true,
  '0': false,
};

/** Validates and repairs one raw row against the schema; fields outside the schema are dropped. */
export function cleanRecord(raw: unknown, fields: readonly FieldSpec[]): CleanOutcome {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return { ok: false, reason: 'not_an_object' };
  const source = raw as Record<string, unknown>;
  const record: CleanRecord = {};
  const repairs: string[] = [];
  for (const field of fields) {
    const outcome = cleanField(source[field.name], field);
    if (outcome.ok) {
      record[field.name] = outcome.value;
      if (outcome.repaired) repairs.push(field.name);
    } else if (field.required || outcome.reason === 'bad_default') {
      return { ok: false, reason: `${outcome.reason}:${field.name}` };
    } else {
      // an optional value that cannot be saved is cleared, not worth the whole row
      record[field.name] = null;
      repairs.push(field.name);
    }
  }
  return { ok: true, record, repairs };
}

/** Spellings of "no value" in exports; not applied to string fields, where "NA" may be a real value. */
const MISSING_MARKERS = /^(n\/?a|null|none|nan|-|\?)$/i;

function isMissing(value: unknown, type?: FieldSpec['type']): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value !== 'string') return false;
  const text = value.trim();
  return text === '' || (type !== undefined && type !== 'string' && MISSING_MARKERS.test(text));
}

function cleanField(value: unknown, field: FieldSpec): FieldOutcome {
  if (isMissing(value, field.type)) {
    if (field.default !== undefined) {
      const filled = cleanField(field.default, { ...field, default: undefined });
      return filled.ok ? { ...filled, repaired: true } : { ok: false, reason: 'bad_default' };
    }
    return field.required ? { ok: false, reason: 'missing' } : { ok: true, value: null, repaired: false };
  }
  switch (field.type) {
    case 'number':
    case 'integer':
      return cleanNumber(value, field);
    case 'boolean':
      return cleanBoolean(value);
    case 'date':
      return cleanDate(value);
    case 'string':
      return cleanString(value, field);
  }
}

function cleanNumber(value: unknown, field: FieldSpec): FieldOutcome {
  let repaired = false;
  let number: number;
  if (typeof value === 'number') {
    number = value;
  } else if (typeof value === 'string') {
    const trimmed = value.trim();
    number = Number(trimmed);
    if (!Number.isFinite(number)) {
      // "$1,234.50", "1 234", "12 %": strip currency, grouping and unit noise
      const stripped = trimmed.replace(/[\s$€£¥,%]/g, '');
      number = stripped === '' ? Number.NaN : Number(stripped);
      repaired = true;
    }
  } else {
    return { ok: false, reason: 'invalid' };
  }
  if (!Number.isFinite(number)) return { ok: false, reason: 'invalid' };
  if (field.type === 'integer' && !Number.isInteger(number)) {
    number = Math.round(number);
    repaired = true;
  }
  if ((field.min !== undefined && number < field.min) || (field.max !== undefined && number > field.max)) {
    return { ok: false, reason: 'out_of_range' };
  }
  return { ok: true, value: number, repaired };
}

function cleanBoolean(value: unknown): FieldOutcome {
  if (typeof value === 'boolean') return { ok: true, value, repaired: false };
  const word = BOOLEAN_WORDS[String(value).trim().toLowerCase()];
  return word === undefined ? { ok: false, reason: 'invalid' } : { ok: true, value: word, repaired: true };
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const SLASH_DATE = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/;
const DOTTED_DATE = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/;
const ISO_DATETIME = /^(\d{4})-(\d{2})-(\d{2})[T ]/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Year, month and day of the supported date spellings. */
function dateParts(text: string): [string, string, string] | null {
  const ymd = ISO_DATE.exec(text) ?? SLASH_DATE.exec(text) ?? ISO_DATETIME.exec(text);
  if (ymd) return [ymd[1] ?? '', ymd[2] ?? '', ymd[3] ?? ''];
  const dmy = DOTTED_DATE.exec(text);
  return dmy ? [dmy[3] ?? '', dmy[2] ?? '', dmy[1] ?? ''] : null;
}

/** Normalises a date to YYYY-MM-DD; rejects impossible dates such as 2024-02-30. */
function cleanDate(value: unknown): FieldOutcome {
  if (typeof value !== 'string') return { ok: false, reason: 'invalid' };
  const text = value.trim();
  const parts = dateParts(text);
  if (!parts) return { ok: false, reason: 'invalid' };
  const [year, month, day] = parts.map(Number) as [number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month))
    return { ok: false, reason: 'invalid' };
  const normalized = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return { ok: true, value: normalized, repaired: normalized !== value };
}

function cleanString(value: unknown, field: FieldSpec): FieldOutcome {
  if (typeof value === 'object') return { ok: false, reason: 'invalid' };
  const original = String(value);
  const text = original.trim().replace(/\s+/g, ' ');
  if (field.values) {
    if (field.values.includes(text)) return { ok: true, value: text, repaired: text !== original };
    const folded = text.toLowerCase();
    const match = field.values.find((allowed) => allowed.toLowerCase() === folded);
    return match === undefined
      ? { ok: false, reason: 'not_allowed' }
      : { ok: true, value: match, repaired: true };
  }
  return { ok: true, value: text, repaired: text !== original };
}

/** Infers a schema from sample rows: a column is numeric/boolean/date only if every value is. */
export function inferFields(rows: readonly unknown[]): FieldSpec[] {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) continue;
    for (const name of Object.keys(row)) {
      if (!seen.has(name)) {
        seen.add(name);
        names.push(name);
      }
    }
  }
  return names.map((name) => {
    const values = rows
      .map((row) =>
        row !== null && typeof row === 'object' ? (row as Record<string, unknown>)[name] : undefined,
      )
      .filter((value) => !isMissing(value));
    return { name, type: inferType(values), required: false };
  });
}

/** Share of sample values that must fit a type for the column to get it (exports have stray junk). */
const INFERENCE_QUORUM = 0.95;

function inferType(values: readonly unknown[]): FieldSpec['type'] {
  const present = values.filter((v) => !(typeof v === 'string' && MISSING_MARKERS.test(v.trim())));
  if (present.length === 0) return 'string';
  const share = (test: (value: unknown) => boolean) => present.filter(test).length / present.length;
  const isBoolean = (v: unknown) =>
    typeof v === 'boolean' || (typeof v === 'string' && /^(true|false)$/i.test(v.trim()));
  const isNumber = (v: unknown) =>
    (typeof v === 'number' || typeof v === 'string') && Number.isFinite(Number(v));
  if (share(isBoolean) === 1) return 'boolean';
  if (share(isNumber) >= INFERENCE_QUORUM) {
    return share((v) => isNumber(v) && Number.isInteger(Number(v))) >= INFERENCE_QUORUM
      ? 'integer'
      : 'number';
  }
  if (share((v) => typeof v === 'string' && ISO_DATE.test(v.trim())) >= INFERENCE_QUORUM) return 'date';
  return 'string';
}
