import { describe, expect, it } from 'vitest';
import { addRecord, emptyAggregates, GROUP_LIMIT, OTHER_GROUP } from './aggregate.ts';
import { mergeAggregates, mergeCategoryCounts, mergeNumericStats } from './merge-aggregates.ts';
import type { FieldSpec } from './records.ts';
import {
  addCategory,
  addValue,
  emptyCategoryCounts,
  emptyNumericStats,
  RESERVOIR_SIZE,
  summarize,
} from './stats.ts';

describe('mergeNumericStats', () => {
  it('gives the counts, sums, extremes and moments of one pass over both parts', () => {
    const values = Array.from({ length: 999 }, (_, i) => Math.sin(i) * 100 + i / 7);
    const whole = emptyNumericStats();
    for (const value of values) addValue(whole, value);
    const first = emptyNumericStats();
    const second = emptyNumericStats();
    for (const value of values.slice(0, 400)) addValue(first, value);
    for (const value of values.slice(400)) addValue(second, value);
    mergeNumericStats(first, second);
    const [merged, single] = [summarize(first), summarize(whole)];
    expect(merged).toMatchObject({ count: single.count, min: single.min, max: single.max });
    expect(merged.sum).toBeCloseTo(single.sum, 6);
    expect(merged.mean ?? 0).toBeCloseTo(single.mean ?? 0, 6);
    expect(merged.std ?? 0).toBeCloseTo(single.std ?? 0, 6);
    // both samples fit whole: the quantiles are exact
    expect(merged.p50).toBe(single.p50);
  });

  it('keeps a bounded sample, each part in proportion to the values it saw', () => {
    const big = emptyNumericStats();
    const small = emptyNumericStats();
    for (let i = 0; i < 3 * RESERVOIR_SIZE; i++) addValue(big, 1);
    for (let i = 0; i < RESERVOIR_SIZE; i++) addValue(small, 2);
    mergeNumericStats(big, small);
    expect(big.sample).toHaveLength(RESERVOIR_SIZE);
    expect(big.sample.filter((value) => value === 2)).toHaveLength(RESERVOIR_SIZE / 4);
    expect(big.seen).toBe(4 * RESERVOIR_SIZE);
  });

  it('leaves stats as they are when the other part saw nothing', () => {
    const stats = emptyNumericStats();
    addValue(stats, 5);
    mergeNumericStats(stats, emptyNumericStats());
    expect(summarize(stats)).toMatchObject({ count: 1, min: 5, max: 5, mean: 5 });
  });
});

describe('mergeCategoryCounts', () => {
  it('adds counts and folds values beyond the limit into other', () => {
    const into = emptyCategoryCounts();
    const from = emptyCategoryCounts();
    addCategory(into, 'a', 2);
    addCategory(into, 'b', 2);
    addCategory(from, 'a', 2);
    addCategory(from, 'c', 2);
    addCategory(from, 'c', 2);
    mergeCategoryCounts(into, from, 2);
    expect(into).toEqual({ counts: { a: 2, b: 1 }, distinct: 2, other: 2 });
  });
});

describe('mergeAggregates', () => {
  const fields: FieldSpec[] = [
    { name: 'g', type: 'string', required: true },
    { name: 'n', type: 'number', required: true },
  ];

  it('sums groups by key and folds new keys past the group limit into (other)', () => {
    const into = emptyAggregates(fields);
    const from = emptyAggregates(fields);
    for (let i = 0; i < GROUP_LIMIT; i++) addRecord(into, { g: `k${i}`, n: 1 }, ['g']);
    addRecord(from, { g: 'k0', n: 2 }, ['g']);
    addRecord(from, { g: 'new', n: 3 }, ['g']);
    mergeAggregates(into, from);
    expect(into.rows).toBe(GROUP_LIMIT + 2);
    expect(into.groups[JSON.stringify(['k0'])]).toEqual({ count: 2, sums: { n: 3 }, counts: { n: 2 } });
    expect(into.groups[OTHER_GROUP]).toEqual({ count: 1, sums: { n: 3 }, counts: { n: 1 } });
    expect(into.groupCount).toBe(GROUP_LIMIT + 1);
  });
});
