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

/** The store between nodes: only positions and aggregates, never the rows themselves. */
export interface DataShared extends WorkflowShared {
  source?: SourceInfo;
  fields?: FieldSpec[];
  enriched?: FieldSpec[];
  groupBy?: string[];
  derived?: DerivedField[];
  cursor?: Cursor;
  exhausted?: boolean;
  counts?: RowCounts;
  aggregates?: DatasetAggregates;
  report?: DatasetReport;
}

export function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`the shared store has no ${name}: did the load step run?`);
  return value;
}
