import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AbortedError, type Checkpoint, type ProgressReport } from '@kaygraph/graph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModelTrainingResult, modelTraining } from '../src/index.ts';
import { argmax, type Layer, normalize, predictProbabilities } from '../src/lib/model.ts';
import { createRandom } from '../src/lib/random.ts';
import { splitData } from '../src/workflows/model-training/state.ts';
import { createHarness, type Harness } from './harness.ts';

let harness: Harness;
beforeAll(async () => {
  harness = await createHarness();
});
afterAll(() => harness[Symbol.asyncDispose]());

async function train(params: unknown, options: { onProgress?: (p: ProgressReport) => void } = {}) {
  const services = await harness.servicesForTask('model_training');
  const shared: { result?: unknown } = {};
  await modelTraining.graph(params).run(shared, { params: { services }, onProgress: options.onProgress });
  return {
    result: modelTraining.result?.parse(shared.result) as ModelTrainingResult,
    taskId: services.taskId,
  };
}

const separable = {
  dataset: { generate: { rows: 1200, classes: 3, features: 4, separation: 6, seed: 5 } },
  epochs: 12,
  seed: 7,
};

describe('model_training', () => {
  it('learns a separable dataset: holdout accuracy above 95%, with a confusion matrix and a usable model artifact', async () => {
    const progress: ProgressReport[] = [];
    const { result, taskId } = await train(separable, { onProgress: (p) => progress.push(p) });
    expect(result.holdout.accuracy).toBeGreaterThan(0.95);
    expect(result.rows).toEqual({ train: 960, holdout: 240 });
    expect(result.classes).toEqual(['class_0', 'class_1', 'class_2']);
    expect(result.holdout.confusion_matrix.flat().reduce((a, b) => a + b, 0)).toBe(240);
    const diagonal = result.holdout.confusion_matrix.reduce((sum, row, i) => sum + (row[i] ?? 0), 0);
    expect(diagonal / 240).toBeCloseTo(result.holdout.accuracy, 6);
    expect(result.history.map((h) => h.epoch)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(result.history.at(-1)?.loss).toBeLessThan(result.history[0]?.loss ?? 0);

    const epochMessages = progress.filter(
      (p) => p.step === 'Train with progress updates' && p.message?.startsWith('epoch '),
    );
    expect(epochMessages.map((p) => p.message?.split(':')[0])).toEqual(
      result.history.map((h) => `epoch ${h.epoch}/12`),
    );
    expect(epochMessages.some((p) => p.etaSeconds !== null)).toBe(true);
    const steps = new Set(progress.map((p) => p.step));
    for (const step of [
      'Prepare training data',
      'Initialize model',
      'Evaluate performance',
      'Save model artifacts',
    ]) {
      expect(steps).toContain(step);
    }

    // the stored artifact predicts on its own: normalise, run the layers, argmax
    const stored = await harness.artifact(taskId, 'model.json');
    expect(stored?.contentType).toBe('application/json');
    const artifact = JSON.parse(stored?.text ?? '{}') as {
      kind: 'logistic';
      classes: string[];
      normalizer: { mean: number[]; std: number[] };
      layers: Layer[];
    };
    const model = { kind: artifact.kind, inputs: 4, classes: 3, layers: artifact.layers };
    const { holdout } = await splitData(modelTraining.params.parse(separable), null);
    const correct = holdout.features.filter(
      (row, i) =>
        argmax(predictProbabilities(model, normalize(artifact.normalizer, row))) === holdout.labels[i],
    ).length;
    expect(correct / holdout.features.length).toBeCloseTo(result.holdout.accuracy, 6);
    expect(artifact.classes).toEqual(result.classes);
  });

  it('is deterministic for a seed and resumes from a mid-training checkpoint to the same model', async () => {
    const first = await train(separable);
    const second = await train(separable);
    expect({ ...second.result, artifacts: [] }).toEqual({ ...first.result, artifacts: [] });

    const services = await harness.servicesForTask('model_training');
    const controller = new AbortController();
    let saved: Checkpoint<object> | undefined;
    const interrupted = modelTraining.graph(separable).run(
      {},
      {
        params: { services },
        signal: controller.signal,
        onCheckpoint: (checkpoint) => {
          saved = JSON.parse(JSON.stringify(checkpoint));
          if (checkpoint.lastNodeId === 'train_4') controller.abort(new Error('worker restarted'));
        },
      },
    );
    await expect(interrupted).rejects.toBeInstanceOf(AbortedError);
    expect(saved?.nextNodeId).toBe('train_5');
    const resumed: { result?: unknown } = {};
    await modelTraining
      .graph(separable)
      .run(resumed, { params: { services }, resumeFrom: saved as Checkpoint<{ result?: unknown }> });
    expect({ ...(resumed.result as ModelTrainingResult), artifacts: [] }).toEqual({
      ...first.result,
      artifacts: [],
    });
  });

  it('trains an MLP on inline data that no linear model separates', async () => {
    const random = createRandom(3);
    const features: number[][] = [];
    const labels: string[] = [];
    for (let i = 0; i < 600; i++) {
      const x = random.next() * 2 - 1;
      const y = random.next() * 2 - 1;
      features.push([x, y]);
      labels.push(Math.hypot(x, y) < 0.6 ? 'inside' : 'outside');
    }
    const params = { dataset: { features, labels }, epochs: 60, learning_rate: 0.3, batch_size: 16, seed: 1 };
    const mlp = await train({ ...params, model: 'mlp', hidden: [12] });
    const linear = await train({ ...params, model: 'logistic' });
    expect(mlp.result.classes).toEqual(['inside', 'outside']);
    expect(mlp.result.model).toMatchObject({ kind: 'mlp', layers: [2, 12, 2] });
    expect(mlp.result.holdout.accuracy).toBeGreaterThan(0.9);
    expect(mlp.result.holdout.accuracy).toBeGreaterThan(linear.result.holdout.accuracy + 0.1);
  });

  it('reads a CSV dataset from the data directory', async () => {
    const lines = ['height,weight,colour,species'];
    const random = createRandom(9);
    for (let i = 0; i < 300; i++) {
      const big = i % 2 === 0;
      lines.push(
        `${(big ? 30 : 10) + random.normal()},${(big ? 8 : 2) + random.normal() * 0.5},red,${big ? 'bear' : 'fox'}`,
      );
    }
    await writeFile(join(harness.dataDir, 'animals.csv'), `${lines.join('\n')}\n`);
    const { result } = await train({ dataset: 'animals.csv', label_column: 'species', epochs: 10 });
    expect(result.features).toEqual(['height', 'weight']);
    expect(result.classes).toEqual(['bear', 'fox']);
    expect(result.holdout.accuracy).toBeGreaterThan(0.95);
    await expect(train({ dataset: 'animals.csv', label_column: 'kind' })).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
    });
  });

  it('stops within an epoch when cancelled', async () => {
    const services = await harness.servicesForTask('model_training');
    const controller = new AbortController();
    const running = modelTraining
      .graph({
        dataset: { generate: { rows: 100_000, features: 20 } },
        model: 'mlp',
        hidden: [64],
        epochs: 1000,
      })
      .run(
        {},
        {
          params: { services },
          signal: controller.signal,
          onProgress: (p) => {
            if (p.step === 'Initialize model') setTimeout(() => controller.abort(), 200);
          },
        },
      );
    await expect(running).rejects.toBeInstanceOf(AbortedError);
  });
});
