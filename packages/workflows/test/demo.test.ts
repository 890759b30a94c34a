import { AbortedError, type ProgressReport } from '@kaygraph/graph';
import { describe, expect, it } from 'vitest';
import { DemoFailure, demo } from '../src/index.ts';

describe('demo workflow', () => {
  it('runs its steps, reports each one and returns the given result', async () => {
    const progress: ProgressReport[] = [];
    const shared: { result?: unknown } = {};
    await demo.graph({ steps: 3, step_ms: 5, result: { answer: 42 } }).run(shared, {
      onProgress: (p) => progress.push(p),
    });
    expect(demo.result?.parse(shared.result)).toEqual({
      result: { answer: 42 },
      steps: [
        { step: 1, attempt: 1 },
        { step: 2, attempt: 1 },
        { step: 3, attempt: 1 },
      ],
      attempt: 1,
    });
    const labels = progress.map((p) => p.step).filter((step) => step?.startsWith('Step '));
    expect(new Set(labels)).toEqual(new Set(['Step 1 of 3', 'Step 2 of 3', 'Step 3 of 3']));
    expect(progress.at(-1)?.percent).toBe(100);
  });

  it('fails its first attempts at the chosen step, and a resumed attempt does not rerun earlier steps', async () => {
    const checkpoints: unknown[] = [];
    const shared: { result?: unknown } = {};
    const run1 = demo.graph({ steps: 3, step_ms: 0, fail_attempts: 1 }).run(shared, {
      params: { attempt: 1 },
      onCheckpoint: (cp) => {
        checkpoints.push(structuredClone(cp));
      },
    });
    await expect(run1).rejects.toBeInstanceOf(DemoFailure);
    const last = checkpoints.at(-1) as { nextNodeId: string; shared: object; completedSteps: number };
    expect(last.nextNodeId).toBe('step_3');
    const resumed: { result?: unknown } = {};
    await demo.graph({ steps: 3, step_ms: 0, fail_attempts: 1 }).run(resumed, {
      params: { attempt: 2 },
      resumeFrom: last,
    });
    expect(resumed.result).toMatchObject({
      steps: [
        { step: 1, attempt: 1 },
        { step: 2, attempt: 1 },
        { step: 3, attempt: 2 },
      ],
      attempt: 2,
    });
  });

  it('stops promptly when aborted in the middle of a long step, also while burning CPU', async () => {
    // each step would outlast the test's timeout: finishing at all shows the abort got through
    for (const params of [
      { steps: 2, step_ms: 600_000 },
      { steps: 2, step_ms: 0, cpu_ms: 600_000 },
    ]) {
      const controller = new AbortController();
      const run = demo.graph(params).run({}, { signal: controller.signal });
      setTimeout(() => controller.abort(new Error('cancelled by test')), 50);
      await expect(run).rejects.toBeInstanceOf(AbortedError);
    }
  });

  it('needs a worker thread only for a run that burns CPU', () => {
    const { inline } = demo;
    if (typeof inline !== 'function') throw new Error('demo decides per run');
    expect(inline({})).toBe(true);
    expect(inline({ steps: 2, step_ms: 50 })).toBe(true);
    expect(inline({ cpu_ms: 100 })).toBe(false);
    // Params it would reject go to a thread, whose run reports them.
    expect(inline({ steps: 0 })).toBe(false);
  });

  it('rejects params outside its schema', () => {
    expect(() => demo.graph({ steps: 0 })).toThrow();
    expect(() => demo.graph({ step_ms: 'slow' })).toThrow();
  });
});
