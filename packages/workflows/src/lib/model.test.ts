import { describe, expect, it } from 'vitest';
import { gaussianBlobs } from './datasets.ts';
import { evaluate, fitNormalizer, initModel, normalize, trainEpoch } from './model.ts';
import { createRandom } from './random.ts';

function train(hidden: number[], seed: number) {
  const data = gaussianBlobs({ rows: 600, classes: 3, dimensions: 4, separation: 4, seed: 11 });
  const normalizer = fitNormalizer(data.features);
  const features = data.features.map((row) => normalize(normalizer, row));
  const model = initModel({ inputs: 4, classes: 3, hidden, seed });
  const random = createRandom(seed);
  const history = [];
  for (let epoch = 0; epoch < 15; epoch++) {
    history.push(
      trainEpoch(model, features, data.labels, { learningRate: 0.3, batchSize: 16, l2: 1e-4, random }),
    );
  }
  return { model, history, evaluation: evaluate(model, features, data.labels) };
}

describe('classifier training', () => {
  it('logistic regression separates separable blobs and its loss falls', () => {
    const { history, evaluation } = train([], 3);
    expect(evaluation.accuracy).toBeGreaterThan(0.95);
    expect(history.at(-1)?.loss).toBeLessThan(history[0]?.loss ?? 0);
    expect(evaluation.confusion.flat().reduce((a, b) => a + b, 0)).toBe(600);
  });

  it('a small MLP learns a problem that is not linearly separable (XOR)', () => {
    const random = createRandom(5);
    const features: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < 400; i++) {
      const x = random.next() * 2 - 1;
      const y = random.next() * 2 - 1;
      features.push([x, y]);
      labels.push(x * y > 0 ? 1 : 0);
    }
    const model = initModel({ inputs: 2, classes: 2, hidden: [8], seed: 1 });
    const order = createRandom(2);
    for (let epoch = 0; epoch < 150; epoch++) {
      trainEpoch(model, features, labels, { learningRate: 0.5, batchSize: 16, l2: 0, random: order });
    }
    expect(evaluate(model, features, labels).accuracy).toBeGreaterThan(0.9);
  });

  it('is deterministic for a seed', () => {
    expect(train([6], 9).model).toEqual(train([6], 9).model);
  });
});
