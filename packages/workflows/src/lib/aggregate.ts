import type { CleanRecord, FieldSpec } from './records.ts';
import {
  addCategory,
  addValue,
  type CategoryCounts,
  emptyCategoryCounts,
  emptyNumericStats,
  type NumericStats,
  type NumericSummary,
  round,
  summarize,
  topCategories,
} from './stats.ts';

/** Groups beyond this many distinct keys are folded into one `(other)` group to bound memory. */
export const GROUP_LIMIT = 10_000;
export const OTHER_GROUP = '(other)';

interface GroupTotals {
  count: number;
  sums: Record<string, number>;
  counts: Record<string, number>;
}

/** Everything the report needs, accumulated chunk by chunk; plain JSON so it can be checkpointed. */
export interface DatasetAggregates {
  rows: number;
  numeric: Record<string, NumericStats>;
  categories: Record<string, CategoryCounts>;
  groups: Record<string, GroupTotals>;
  groupCount: number;
}

export function emptyAggregates(fields: readonly FieldSpec[]): DatasetAggregates {
  const numeric: Record<string, NumericStats> = {};
  const categories: Record<string, CategoryCounts> = {};
  for (const field of fields) {
    if (field.type === 'number' || field.type === 'integer') numeric[field.name] = emptyNumericStats();
    else categories[field.name] = emptyCategoryCounts();
  }
  return { rows: 0, numeric, categories, groups: {}, groupCount: 0 };
}

export function groupKey(record: CleanRecord, groupBy: readonly string[]): string {
  return JSON.stringify(groupBy.map((name) => record[name] ?? null));
}

export function addRecord(
  aggregates: DatasetAggregates,
  record: CleanRecord,
  groupBy: readonly string[],
): void {
  aggregates.rows++;
  const numericNames = Object.keys(aggregates.numeric);
  for (const name of numericNames) {
    const value = record[name];
    const stats = aggregates.numeric[name];
    if (typeof value === 'number' && stats) addValue(stats, value);
  }
  for (const name in aggregates.categories) {
    const value = record[name];
    const counts = aggregates.categories[name];
    if (value !== null && value !== undefined && counts) addCategory(counts, String(value));
  }
  if (groupBy.length === 0) return;
  let key = groupKey(record, groupBy);
  let group = aggregates.groups[key];
  if (!group) {
    if (aggregates.groupCount >= GROUP_LIMIT) key = OTHER_GROUP;
    group = aggregates.groups[key] ?? { count: 0, sums: {}, counts: {} };
    if (!aggregates.groups[key]) aggregates.groupCount++;
    aggregates.groups[key] = group;
  }
  group.count++;
  for (const name of numericNames) {
    const value = record[name];
    if (typeof value === 'number') {
      group.sums[name] = (group.sums[name] ?? 0) + value;
      group.counts[name] = (group.counts[name] ?? 0) + 1;
    }
  }
}

export interface GroupReport {
  key: Record<string, string | number | boolean | null>;
  count: number;
  sums: Record<string, number>;
  means: Record<string, number | null>;
}

export interface DatasetReport {
  rows: number;
  numeric: Record<string, NumericSummary>;
  categories: Record<string, { distinct: number; top: Array<{ value: string; count: number }> }>;
  groups: GroupReport[];
}

export function buildReport(aggregates: DatasetAggregates, groupBy: readonly string[]): DatasetReport {
  const numeric: Record<string, NumericSummary> = {};
  for (const [name, stats] of Object.entries(aggregates.numeric)) numeric[name] = summarize(stats);
  const categories: DatasetReport['categories'] = {};
  for (const [name, counts] of Object.entries(aggregates.categories)) {
    categories[name] = {
      distinct: counts.distinct + (counts.other > 0 ? 1 : 0),
      top: topCategories(counts, 10),
    };
  }
  const groups = Object.entries(aggregates.groups)
    .map(([key, totals]): GroupReport => {
      const values: unknown[] = key === OTHER_GROUP ? groupBy.map(() => OTHER_GROUP) : JSON.parse(key);
      const keyRecord: GroupReport['key'] = {};
      groupBy.forEach((name, i) => {
        const value = values[i];
        keyRecord[name] =
          typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null;
      });
      const sums: Record<string, number> = {};
      const means: Record<string, number | null> = {};
      for (const name of Object.keys(aggregates.numeric)) {
        sums[name] = round(totals.sums[name] ?? 0);
        const n = totals.counts[name] ?? 0;
        means[name] = n > 0 ? round((totals.sums[name] ?? 0) / n) : null;
      }
      return { key: keyRecord, count: totals.count, sums, means };
    })
    .sort((a, b) => b.count - a.count || JSON.stringify(a.key).localeCompare(JSON.stringify(b.key)));
  return { rows: aggregates.rows, numeric, categories, groups };
}

/** Rows of the report CSV: one per group with count, sums and means of every numeric field. */
export function groupReportRows(report: DatasetReport, groupBy: readonly string[]) {
  const numericNames = Object.keys(report.numeric);
  const columns = [...groupBy, 'count', ...numericNames.flatMap((name) => [`${name}_sum`, `${name}_mean`])];
  const rows = report.groups.map((group) => {
    const row: Record<string, unknown> = { ...group.key, count: group.count };
    for (const name of numericNames) {
      row[`${name}_sum`] = group.sums[name];
      row[`${name}_mean`] = group.means[name];
    }
    return row;
  });
  return { columns, rows };
}
