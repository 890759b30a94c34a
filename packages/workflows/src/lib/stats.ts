import { deriveSeed } from './random.ts';

/**
 * Streaming statistics kept as plain JSON data: they live in the shared store between chunks and
 * are checkpointed with it, so memory stays bounded by the number of fields, not rows.
 */
export interface NumericStats {
  count: number;
  mean: number;
  /** Sum of squared deviations (Welford), for the variance. */
  m2: number;
  min: number | null;
  max: number | null;
  sum: number;
  /** Uniform reservoir sample for approximate quantiles. */
  sample: number[];
  /** Values seen by the reservoir (drives its replacement rule). */
  seen: number;
}

export const RESERVOIR_SIZE = 2048;

export function emptyNumericStats(): NumericStats {
  return { count: 0, mean: 0, m2: 0, min: null, max: null, sum: 0, sample: [], seen: 0 };
}

export function addValue(stats: NumericStats, value: number): void {
  stats.count++;
  const delta = value - stats.mean;
  stats.mean += delta / stats.count;
  stats.m2 += delta * (value - stats.mean);
  stats.sum += value;
  stats.min = stats.min === null ? value : Math.min(stats.min, value);
  stats.max = stats.max === null ? value : Math.max(stats.max, value);
  stats.seen++;
  if (stats.sample.length < RESERVOIR_SIZE) {
    stats.sample.push(value);
  } else {
    // seeded by position, so the same data gives the same quantiles on every run and resume
    const slot = Math.floor((deriveSeed(0x5eed, stats.seen) / 4294967296) * stats.seen);
    if (slot < RESERVOIR_SIZE) stats.sample[slot] = value;
  }
}

export interface NumericSummary {
  count: number;
  sum: number;
  mean: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
  p50: number | null;
  p95: number | null;
}

export function summarize(stats: NumericStats): NumericSummary {
  const sorted = [...stats.sample].sort((a, b) => a - b);
  return {
    count: stats.count,
    sum: round(stats.sum),
    mean: stats.count > 0 ? round(stats.mean) : null,
    std: stats.count > 1 ? round(Math.sqrt(stats.m2 / (stats.count - 1))) : null,
    min: stats.min,
    max: stats.max,
    p50: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
  };
}

/** Linear-interpolated quantile of an ascending array. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const a = sorted[lower] ?? 0;
  const b = sorted[upper] ?? a;
  return round(a + (b - a) * (position - lower));
}

/** Counts of distinct values, capped: values beyond `limit` distinct ones count as `other`. */
export interface CategoryCounts {
  counts: Record<string, number>;
  distinct: number;
  other: number;
}

export const CATEGORY_LIMIT = 1000;

export function emptyCategoryCounts(): CategoryCounts {
  return { counts: {}, distinct: 0, other: 0 };
}

export function addCategory(counts: CategoryCounts, value: string, limit = CATEGORY_LIMIT): void {
  const current = counts.counts[value];
  if (current !== undefined) {
    counts.counts[value] = current + 1;
  } else if (counts.distinct < limit) {
    counts.counts[value] = 1;
    counts.distinct++;
  } else {
    counts.other++;
  }
}

export function topCategories(counts: CategoryCounts, n: number): Array<{ value: string; count: number }> {
  return Object.entries(counts.counts)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, n)
    .map(([value, count]) => ({ value, count }));
}

/** Rounds to 6 significant decimals so reports stay readable and stable. */
export function round(value: number, digits = 6): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
