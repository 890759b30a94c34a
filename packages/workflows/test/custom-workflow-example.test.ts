import type { ProgressReport } from '@kaygraph/graph';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { catalog, type Workflows, wordFrequency } from '../../../examples/custom-workflow/workflows.ts';
import type { WorkflowParams, WorkflowResult } from '../src/index.ts';

describe('examples/custom-workflow', () => {
  it('registers word_frequency beside the built-ins and runs its graph', async () => {
    expect(catalog.get('word_frequency')).toBe(wordFrequency);
    expect(catalog.get('data_processing')?.name).toBe('data_processing');
    const workflow = catalog.get('word_frequency');
    if (!workflow) throw new Error('not registered');
    const shared: { result?: unknown } = {};
    const progress: ProgressReport[] = [];
    await workflow
      .graph({ text: 'The cat and the hat; the end.', top: 2 })
      .run(shared, { onProgress: (p) => progress.push(p) });
    expect(workflow.result?.parse(shared.result)).toEqual({
      words: 7,
      top: [
        { word: 'the', count: 3 },
        { word: 'and', count: 1 },
      ],
    });
    expect(progress.map((p) => p.step)).toContain('Count words');
    expect(wordFrequency.defaults).toMatchObject({ max_retries: 1, timeout_seconds: 60, priority: 'normal' });
  });

  it('types its params and result by name', () => {
    expectTypeOf<WorkflowParams<Workflows, 'word_frequency'>>().toEqualTypeOf<{
      text: string;
      top?: number | undefined;
    }>();
    expectTypeOf<WorkflowResult<Workflows, 'word_frequency'>['top']>().toEqualTypeOf<
      Array<{ word: string; count: number }>
    >();
  });
});
