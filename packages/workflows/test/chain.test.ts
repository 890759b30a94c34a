import { describe, expect, it } from 'vitest';
import { analyze, type PreprocessResult, preprocess, processItem, urgentAnalysis } from '../src/index.ts';

async function run<W extends { graph(params: unknown): { run: (s: object, o: object) => Promise<unknown> } }>(
  workflow: W,
  params: unknown,
  runParams: Record<string, unknown> = {},
): Promise<unknown> {
  const shared: { result?: unknown } = {};
  await workflow.graph(params).run(shared, { params: runParams });
  return shared.result;
}

describe('spec orchestration workflows', () => {
  it('preprocess cleans rows; analyze aggregates the rows of its dependencies', async () => {
    const cleaned = (await run(preprocess, {
      records: [
        { city: 'Oslo', amount: '10' },
        { city: 'Oslo', amount: '$5.50' },
        { city: 'Rome', amount: 'n/a' },
        { city: 'Rome', amount: '4' },
      ],
      schema: {
        fields: [
          { name: 'city', type: 'string', required: true },
          { name: 'amount', type: 'number', required: true },
        ],
      },
    })) as PreprocessResult;
    expect(cleaned.counts).toEqual({
      read: 4,
      valid: 3,
      repaired: 1,
      dropped: 1,
      drop_reasons: { 'missing:amount': 1 },
    });
    const analysis = await run(
      analyze,
      { group_by: ['city'] },
      { dependency_results: { 'task-1': cleaned, 'task-0': { other: true } } },
    );
    expect(analysis).toMatchObject({
      rows: 3,
      sources: ['task-1'],
      summary: { amount: { count: 3, sum: 19.5, min: 4, max: 10 } },
      groups: [
        { key: { city: 'Oslo' }, count: 2, sums: { amount: 15.5 } },
        { key: { city: 'Rome' }, count: 1, sums: { amount: 4 } },
      ],
    });
    await expect(run(analyze, {}, { dependency_results: {} })).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
    });
    expect(urgentAnalysis.defaults.priority).toBe('high');
  });

  it('process_item fingerprints an item canonically', async () => {
    const a = await run(processItem, { item: { b: [1, 2], a: 'Hello sourdough world' } });
    const b = await run(processItem, { item: { a: 'Hello sourdough world', b: [1, 2] } });
    expect(a).toEqual(b);
    expect(a).toMatchObject({
      type: 'object',
      numeric_sum: 3,
      terms: 3,
      bytes: '{"a":"Hello sourdough world","b":[1,2]}'.length,
    });
  });
});
