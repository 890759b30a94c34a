import { z } from 'zod';
import type { CleanRecord, FieldSpec } from './records.ts';
import { round } from './stats.ts';

/** A derived numeric field: `name = left <op> right`, where right is a field or a constant. */
export const DerivedField = z.object({
  name: z.string().min(1).max(100),
  op: z.enum(['add', 'subtract', 'multiply', 'divide']),
  left: z.string().min(1),
  right: z.union([z.string().min(1), z.number()]),
});
export type DerivedField = z.output<typeof DerivedField>;

function numberOf(record: CleanRecord, operand: string | number): number | null {
  if (typeof operand === 'number') return operand;
  const value = record[operand];
  return typeof value === 'number' ? value : null;
}

function apply(op: DerivedField['op'], a: number, b: number): number | null {
  switch (op) {
    case 'add':
      return a + b;
    case 'subtract':
      return a - b;
    case 'multiply':
      return a * b;
    case 'divide':
      return b === 0 ? null : a / b;
  }
}

/**
 * Enriches a cleaned record in place: every date field gains `<name>_month` (YYYY-MM) for
 * monthly grouping, then the derived fields are computed in order (later ones may use earlier).
 */
export function enrichRecord(
  record: CleanRecord,
  fields: readonly FieldSpec[],
  derived: readonly DerivedField[],
): void {
  for (const field of fields) {
    const value = record[field.name];
    if (field.type === 'date')
      record[`${field.name}_month`] = typeof value === 'string' ? value.slice(0, 7) : null;
  }
  for (const rule of derived) {
    const a = numberOf(record, rule.left);
    const b = numberOf(record, rule.right);
    const result = a === null || b === null ? null : apply(rule.op, a, b);
    record[rule.name] = result === null ? null : round(result);
  }
}

/** Field list after enrichment, for reports: derived numbers and the month columns. */
export function enrichedFields(fields: readonly FieldSpec[], derived: readonly DerivedField[]): FieldSpec[] {
  const out: FieldSpec[] = [...fields];
  for (const field of fields) {
    if (field.type === 'date') out.push({ name: `${field.name}_month`, type: 'string', required: false });
  }
  for (const rule of derived) out.push({ name: rule.name, type: 'number', required: false });
  return out;
}

/** Checks that derived fields reference numeric fields that exist (before or as earlier derivations). */
export function validateDerived(
  fields: readonly FieldSpec[],
  derived: readonly DerivedField[],
): string | null {
  const numeric = new Set(
    fields.filter((f) => f.type === 'number' || f.type === 'integer').map((f) => f.name),
  );
  for (const rule of derived) {
    for (const operand of [rule.left, rule.right]) {
      if (typeof operand === 'string' && !numeric.has(operand)) {
        return `derived field "${rule.name}" uses "${operand}", which is not a numeric field`;
      }
    }
    numeric.add(rule.name);
  }
  return null;
}
