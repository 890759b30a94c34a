import type { ProgressReport } from '@kaygraph/graph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AnyWorkflow,
  dataProcessing,
  demo,
  documentIndexing,
  modelTraining,
  preprocess,
} from '../src/index.ts';
import { createHarness, type Harness } from './harness.ts';

let harness: Harness;
beforeAll(async () => {
  harness = await createHarness();
});
afterAll(() => harness[Symbol.asyncDispose]());

/** Every `step` a run reports, in order. */
async function stepsOf(workflow: AnyWorkflow, params: unknown): Promise<Array<string | null>> {
  const services = await harness.servicesForTask(workflow.name);
  const steps: Array<string | null> = [];
  await workflow
    .graph(params)
    .run({}, { params: { services }, onProgress: (report: ProgressReport) => steps.push(report.step) });
  return steps;
}

/** The distinct steps in the order they were first shown, after checking none is shown again later. */
function inOrder(steps: Array<string | null>): Array<string | null> {
  const shown: Array<string | null> = [];
  for (const step of steps) {
    if (shown.at(-1) === step) continue;
    expect(shown, `"${step}" is shown again after a later step`).not.toContain(step);
    shown.push(step);
  }
  return shown;
}

describe("progress shows the workflow's own step names, in order, ending on the last one", () => {
  it('data_processing, over many slices of the streaming pass', async () => {
    const steps = await stepsOf(dataProcessing, { input: { generate: { rows: 2_000 } }, chunk_size: 100 });
    expect(inOrder(steps)).toEqual([
      'Load large dataset',
      'Validate and clean data',
      'Transform and enrich',
      'Generate reports',
      'Store results',
    ]);
  });

  it('document_indexing', async () => {
    const documents = [
      { name: 'a.md', content: '# Queues\n\nJobs wait in PostgreSQL.' },
      { name: 'b.txt', content: 'Cats sleep most of the day.' },
    ];
    expect(inOrder(await stepsOf(documentIndexing, { documents, index: 'steps' }))).toEqual([
      'Extract text from documents',
      'Chunk into passages',
      'Generate embeddings',
      'Build vector index',
      'Update search index',
    ]);
  });

  it('model_training', async () => {
    const params = {
      dataset: { generate: { rows: 200, classes: 2, features: 3, separation: 4, seed: 1 } },
      epochs: 4,
    };
    expect(inOrder(await stepsOf(modelTraining, params))).toEqual([
      'Prepare training data',
      'Initialize model',
      'Train with progress updates',
      'Evaluate performance',
      'Save model artifacts',
    ]);
  });

  it('demo and preprocess', async () => {
    expect(inOrder(await stepsOf(demo, { steps: 2, step_ms: 0 }))).toEqual(['Step 1 of 2', 'Step 2 of 2']);
    expect(inOrder(await stepsOf(preprocess, { records: [{ a: 1 }] }))).toEqual(['Validate and clean data']);
  });
});
