import { describe, expect, it } from 'vitest';
import { addRecord, buildReport, emptyAggregates, groupReportRows } from './aggregate.ts';
import { SALES_DERIVED, SALES_FIELDS, SALES_GROUP_BY, salesRow } from './datasets.ts';
import { enrichedFields, enrichRecord, validateDerived } from './derive.ts';
import { cleanRecord, type FieldSpec, inferFields } from './records.ts';

describe('cleanRecord', () => {
  const fields: FieldSpec[] = [
    { name: 'id', type: 'integer', required: true, min: 1 },
    { name: 'region', type: 'string', required: true, values: ['North', 'South'] },
    { name: 'price', type: 'number', required: true, min: 0 },
    { name: 'when', type: 'date', required: false },
    { name: 'discount', type: 'number', required: false, default: 0 },
    { name: 'vip', type: 'boolean', required: false },
  ];

  it('keeps valid rows as they are', () => {
    expect(
      cleanRecord(
        { id: 1, region: 'North', price: 2.5, when: '2025-02-01', discount: 0.1, vip: true },
        fields,
      ),
    ).toEqual({
      ok: true,
      record: { id: 1, region: 'North', price: 2.5, when: '2025-02-01', discount: 0.1, vip: true },
      repairs: [],
    });
  });

  it('repairs case, spacing, currency, date formats, booleans and missing defaults', () => {
    const outcome = cleanRecord(
      { id: '7', region: '  south ', price: '$1,234.50', when: '2025/3/9', vip: 'yes' },
      fields,
    );
    expect(outcome).toEqual({
      ok: true,
      record: { id: 7, region: 'South', price: 1234.5, when: '2025-03-09', discount: 0, vip: true },
      repairs: ['region', 'price', 'when', 'discount', 'vip'],
    });
  });

  it('drops rows it cannot repair, naming the reason and field', () => {
    expect(cleanRecord({ id: 1, region: '', price: 1 }, fields)).toEqual({
      ok: false,
      reason: 'missing:region',
    });
    expect(cleanRecord({ id: 1, region: 'West', price: 1 }, fields)).toEqual({
      ok: false,
      reason: 'not_allowed:region',
    });
    expect(cleanRecord({ id: 1, region: 'North', price: -3 }, fields)).toEqual({
      ok: false,
      reason: 'out_of_range:price',
    });
    expect(cleanRecord({ id: 'n/a', region: 'North', price: 1 }, fields)).toEqual({
      ok: false,
      reason: 'missing:id',
    });
    expect(cleanRecord('text', fields)).toEqual({ ok: false, reason: 'not_an_object' });
  });

  it('clears optional values that cannot be repaired instead of dropping the row', () => {
    expect(
      cleanRecord({ id: 1, region: 'North', price: 1, when: '2025-02-30', vip: 'maybe' }, fields),
    ).toEqual({
      ok: true,
      record: { id: 1, region: 'North', price: 1, when: null, discount: 0, vip: null },
      repairs: ['when', 'discount', 'vip'],
    });
  });

  it('infers column types from sample rows', () => {
    expect(
      inferFields([
        { a: '1', b: '2.5', c: 'x', d: '2025-01-01', e: 'true' },
        { a: 3, b: '', c: 'y' },
      ]),
    ).toEqual([
      { name: 'a', type: 'integer', required: false },
      { name: 'b', type: 'number', required: false },
      { name: 'c', type: 'string', required: false },
      { name: 'd', type: 'date', required: false },
      { name: 'e', type: 'boolean', required: false },
    ]);
  });
});

describe('generated sales data through clean, enrich and aggregate', () => {
  it('is deterministic per seed and row, and has repairable and unrepairable damage', () => {
    expect(salesRow(42, 1234)).toEqual(salesRow(42, 1234));
    expect(salesRow(42, 1234)).not.toEqual(salesRow(43, 1234));
    let dropped = 0;
    let repaired = 0;
    for (let i = 0; i < 5000; i++) {
      const outcome = cleanRecord(salesRow(7, i), SALES_FIELDS);
      if (!outcome.ok) dropped++;
      else if (outcome.repairs.length > 0) repaired++;
    }
    expect(dropped / 5000).toBeGreaterThan(0.015);
    expect(dropped / 5000).toBeLessThan(0.05);
    expect(repaired / 5000).toBeGreaterThan(0.015);
  });

  it('derives revenue and aggregates per group consistently with the totals', () => {
    expect(validateDerived(SALES_FIELDS, SALES_DERIVED)).toBeNull();
    expect(validateDerived(SALES_FIELDS, [{ name: 'x', op: 'add', left: 'region', right: 1 }])).toMatch(
      /region/,
    );
    const fields = enrichedFields(SALES_FIELDS, SALES_DERIVED);
    const aggregates = emptyAggregates(fields);
    let revenue = 0;
    for (let i = 0; i < 2000; i++) {
      const outcome = cleanRecord(salesRow(1, i), SALES_FIELDS);
      if (!outcome.ok) continue;
      enrichRecord(outcome.record, SALES_FIELDS, SALES_DERIVED);
      const { quantity, unit_price, discount } = outcome.record;
      expect(outcome.record.revenue).toBeCloseTo(
        Number(quantity) * Number(unit_price) * (1 - Number(discount)),
        4,
      );
      expect(outcome.record.date_month).toBe(String(outcome.record.date).slice(0, 7));
      revenue += Number(outcome.record.revenue);
      addRecord(aggregates, outcome.record, SALES_GROUP_BY);
    }
    const report = buildReport(aggregates, SALES_GROUP_BY);
    expect(report.groups).toHaveLength(20);
    expect(report.groups.reduce((sum, g) => sum + g.count, 0)).toBe(report.rows);
    expect(report.numeric.revenue?.sum).toBeCloseTo(revenue, 2);
    expect(report.categories.region?.distinct).toBe(4);
    const csv = groupReportRows(report, SALES_GROUP_BY);
    expect(csv.columns.slice(0, 3)).toEqual(['region', 'category', 'count']);
    expect(csv.rows).toHaveLength(20);
  });
});
