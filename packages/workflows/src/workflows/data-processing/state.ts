import type { WorkflowShared } from '../../define.ts';
import type { DatasetAggregates, DatasetReport } from '../../lib/aggregate.ts';
import type { DerivedField } from '../../lib/derive.ts';
import type { FieldSpec } from '../../lib/records.ts';
import type { Cursor, SourceInfo } from './source.ts';

/** The spec's step names, as progress shows them. */
export const STEP = {
  load: 'Load large dataset',
  clean: 'Validate and clean data',
  transform: 'Transform and enrich',
  report: 'Generate reports',
  store: 'Store results',
} as const;

export interface RowCounts {
  read: number;
  valid: number;
  repaired: number;
  dropped: number;
  drop_reasons: Record<string, number>;
  repairs_by_field: Record<string, number>;
}

export function emptyCounts(): RowCounts {
  return { read: 0, valid: 0, repaired: 0, dropped: 0, drop_reasons: {}, repairs_by_field: {} };
}

/** Adds a partition's row counts to the counts of the partitions before it. */
export function mergeCounts(into: RowCounts, from: RowCounts): void {
  into.read += from.read;
  into.valid += from.valid;
  into.repaired += from.repaired;
  into.dropped += from.dropped;
  for (const [reason, n] of Object.entries(from.drop_reasons))
    into.drop_reasons[reason] = (into.drop_reasons[reason] ?? 0) + n;
  for (const [field, n] of Object.entries(from.repairs_by_field))
    into.repairs_by_field[field] = (into.repairs_by_field[field] ?? 0) + n;
}

/**
 * The stretch of the source one streaming pass covers, in cursor offsets: the whole source
 * (`end: null`, to its end) or one partition's range.
 */
export interface PassSpan {
  start: number;
  end: number | null;
}

/** The store between nodes: only positions and aggregates, never the rows themselves. */
export interface DataShared extends WorkflowShared {
  source?: SourceInfo;
  fields?: FieldSpec[];
  enriched?: FieldSpec[];
  groupBy?: string[];
  derived?: DerivedField[];
  cursor?: Cursor;
  span?: PassSpan;
  exhausted?: boolean;
  counts?: RowCounts;
  aggregates?: DatasetAggregates;
  report?: DatasetReport;
}

export function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`the shared store has no ${name}: did the load step run?`);
  return value;
}
