import { type DatasetAggregates, GROUP_LIMIT, OTHER_GROUP } from './aggregate.ts';
import { CATEGORY_LIMIT, type CategoryCounts, type NumericStats, RESERVOIR_SIZE } from './stats.ts';

/**
 * Folds the aggregates of one partition into those of the partitions before it (in order): counts,
 * sums, min and max exactly, mean and variance by the pairwise (Chan) formula, and the quantile
 * reservoirs in proportion to the values each one saw.
 */
export function mergeAggregates(into: DatasetAggregates, from: DatasetAggregates): void {
  into.rows += from.rows;
  for (const [name, stats] of Object.entries(from.numeric)) {
    const target = into.numeric[name];
    if (target) mergeNumericStats(target, stats);
    else into.numeric[name] = structuredClone(stats);
  }
  for (const [name, counts] of Object.entries(from.categories)) {
    const target = into.categories[name];
    if (target) mergeCategoryCounts(target, counts);
    else into.categories[name] = structuredClone(counts);
  }
  for (const [key, totals] of Object.entries(from.groups)) {
    let target = into.groups[key];
    if (!target) {
      const slot = into.groupCount >= GROUP_LIMIT ? OTHER_GROUP : key;
      target = into.groups[slot] ?? { count: 0, sums: {}, counts: {} };
      if (!into.groups[slot]) into.groupCount++;
      into.groups[slot] = target;
    }
    target.count += totals.count;
    for (const [field, sum] of Object.entries(totals.sums))
      target.sums[field] = (target.sums[field] ?? 0) + sum;
    for (const [field, n] of Object.entries(totals.counts))
      target.counts[field] = (target.counts[field] ?? 0) + n;
  }
}

export function mergeNumericStats(into: NumericStats, from: NumericStats): void {
  if (from.count === 0) return;
  const count = into.count + from.count;
  const delta = from.mean - into.mean;
  into.m2 += from.m2 + (delta * delta * into.count * from.count) / count;
  into.mean += (delta * from.count) / count;
  into.count = count;
  into.sum += from.sum;
  into.min = into.min === null ? from.min : from.min === null ? into.min : Math.min(into.min, from.min);
  into.max = into.max === null ? from.max : from.max === null ? into.max : Math.max(into.max, from.max);
  into.sample = mergeSamples(into, from);
  into.seen += from.seen;
}

/**
 * Two uniform samples as one: both whole when they fit, else each contributes in proportion to
 * the values it stands for, taken evenly across it (deterministic, as the reservoirs are).
 */
function mergeSamples(a: NumericStats, b: NumericStats): number[] {
  if (a.sample.length + b.sample.length <= RESERVOIR_SIZE) return [...a.sample, ...b.sample];
  const fromA = Math.round((RESERVOIR_SIZE * a.seen) / (a.seen + b.seen));
  const take = (sample: number[], n: number) =>
    Array.from(
      { length: Math.min(n, sample.length) },
      (_, i) => sample[Math.floor((i * sample.length) / n)] ?? 0,
    );
  return [...take(a.sample, fromA), ...take(b.sample, RESERVOIR_SIZE - fromA)];
}

export function mergeCategoryCounts(
  into: CategoryCounts,
  from: CategoryCounts,
  limit = CATEGORY_LIMIT,
): void {
  for (const [value, count] of Object.entries(from.counts)) {
    const current = into.counts[value];
    if (current !== undefined) {
      into.counts[value] = current + count;
    } else if (into.distinct < limit) {
      into.counts[value] = count;
      into.distinct++;
    } else {
      into.other += count;
    }
  }
  into.other += from.other;
}
