import { createRandom, type Random, shuffleInPlace } from './random.ts';

/**
 * A small feed-forward classifier in plain TypeScript: no hidden layer is multinomial logistic
 * regression, one or more hidden layers (tanh) make an MLP. Softmax output, cross-entropy loss,
 * mini-batch gradient descent with L2. The model is plain JSON, so it can be checkpointed between
 * epochs and stored as an artifact.
 */
export interface Layer {
  /** weights[out][in] */
  weights: number[][];
  bias: number[];
}

export interface Model {
  kind: 'logistic' | 'mlp';
  inputs: number;
  classes: number;
  layers: Layer[];
}

export function initModel(options: {
  inputs: number;
  classes: number;
  hidden: readonly number[];
  seed: number;
}): Model {
  const random = createRandom(options.seed);
  const sizes = [options.inputs, ...options.hidden, options.classes];
  const layers: Layer[] = [];
  for (let l = 1; l < sizes.length; l++) {
    const fanIn = sizes[l - 1] ?? 1;
    const fanOut = sizes[l] ?? 1;
    const scale = Math.sqrt(2 / (fanIn + fanOut)); // Xavier/Glorot, suits tanh and softmax
    layers.push({
      weights: Array.from({ length: fanOut }, () =>
        Array.from({ length: fanIn }, () => random.normal() * scale),
      ),
      bias: new Array<number>(fanOut).fill(0),
    });
  }
  return {
    kind: options.hidden.length === 0 ? 'logistic' : 'mlp',
    inputs: options.inputs,
    classes: options.classes,
    layers,
  };
}

function affine(layer: Layer, input: readonly number[]): number[] {
  return layer.weights.map((row, o) => {
    let sum = layer.bias[o] ?? 0;
    for (let i = 0; i < row.length; i++) sum += (row[i] ?? 0) * (input[i] ?? 0);
    return sum;
  });
}

function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((z) => Math.exp(z - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

/** Activations of every layer; the last entry is the class probabilities. */
function forward(model: Model, input: readonly number[]): number[][] {
  const activations: number[][] = [input as number[]];
  model.layers.forEach((layer, l) => {
    const z = affine(layer, activations[l] ?? []);
    activations.push(l === model.layers.length - 1 ? softmax(z) : z.map(Math.tanh));
  });
  return activations;
}

export function predictProbabilities(model: Model, input: readonly number[]): number[] {
  return forward(model, input).at(-1) ?? [];
}

export function predict(model: Model, input: readonly number[]): number {
  const probabilities = predictProbabilities(model, input);
  let best = 0;
  for (let c = 1; c < probabilities.length; c++)
    if ((probabilities[c] ?? 0) > (probabilities[best] ?? 0)) best = c;
  return best;
}

export interface EpochResult {
  loss: number;
  accuracy: number;
}

/** One pass over the data in a seeded random order; updates the model in place. */
export function trainEpoch(
  model: Model,
  features: readonly number[][],
  labels: readonly number[],
  options: TrainOptions,
): EpochResult {
  const steps = epochSteps(model, features, labels, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

export interface TrainOptions {
  learningRate: number;
  batchSize: number;
  l2: number;
  random: Random;
}

/**
 * The same epoch as a generator that yields after every mini-batch (the number of examples done),
 * so a caller can yield to the event loop and honour cancellation inside a long epoch.
 */
export function* epochSteps(
  model: Model,
  features: readonly number[][],
  labels: readonly number[],
  options: TrainOptions,
): Generator<number, EpochResult> {
  const order = shuffleInPlace(
    Array.from({ length: features.length }, (_, i) => i),
    options.random,
  );
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < order.length; start += options.batchSize) {
    const batch = order.slice(start, start + options.batchSize);
    const result = trainBatch(model, features, labels, batch, options);
    lossSum += result.lossSum;
    correct += result.correct;
    yield start + batch.length;
  }
  return { loss: lossSum / Math.max(order.length, 1), accuracy: correct / Math.max(order.length, 1) };
}

function trainBatch(
  model: Model,
  features: readonly number[][],
  labels: readonly number[],
  batch: readonly number[],
  options: TrainOptions,
): { lossSum: number; correct: number } {
  let lossSum = 0;
  let correct = 0;
  const gradients = model.layers.map((layer) => ({
    weights: layer.weights.map((row) => new Array<number>(row.length).fill(0)),
    bias: new Array<number>(layer.bias.length).fill(0),
  }));
  for (const index of batch) {
    const activations = forward(model, features[index] ?? []);
    const probabilities = activations.at(-1) ?? [];
    const label = labels[index] ?? 0;
    lossSum -= Math.log(Math.max(probabilities[label] ?? 0, 1e-12));
    if (argmax(probabilities) === label) correct++;
    // softmax + cross-entropy: dL/dz = p - onehot
    let delta = probabilities.map((p, c) => p - (c === label ? 1 : 0));
    for (let l = model.layers.length - 1; l >= 0; l--) {
      const layer = model.layers[l] as Layer;
      const gradient = gradients[l] as (typeof gradients)[number];
      const input = activations[l] ?? [];
      for (let o = 0; o < delta.length; o++) {
        const d = delta[o] ?? 0;
        const row = gradient.weights[o] as number[];
        for (let i = 0; i < input.length; i++) row[i] = (row[i] ?? 0) + d * (input[i] ?? 0);
        gradient.bias[o] = (gradient.bias[o] ?? 0) + d;
      }
      if (l > 0) {
        // back through the weights, then through tanh (its derivative is 1 - a^2)
        delta = input.map((a, i) => {
          let sum = 0;
          for (let o = 0; o < delta.length; o++) sum += (delta[o] ?? 0) * (layer.weights[o]?.[i] ?? 0);
          return sum * (1 - a * a);
        });
      }
    }
  }
  const step = options.learningRate / batch.length;
  model.layers.forEach((layer, l) => {
    const gradient = gradients[l] as (typeof gradients)[number];
    layer.weights.forEach((row, o) => {
      const g = gradient.weights[o] as number[];
      for (let i = 0; i < row.length; i++) {
        row[i] = (row[i] ?? 0) - step * (g[i] ?? 0) - options.learningRate * options.l2 * (row[i] ?? 0);
      }
    });
    layer.bias.forEach((b, o) => {
      layer.bias[o] = b - step * (gradient.bias[o] ?? 0);
    });
  });
  return { lossSum, correct };
}

export function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++)
    if ((values[i] ?? -Infinity) > (values[best] ?? -Infinity)) best = i;
  return best;
}

export interface Evaluation {
  accuracy: number;
  loss: number;
  /** confusion[actual][predicted] */
  confusion: number[][];
}

export function evaluate(model: Model, features: readonly number[][], labels: readonly number[]): Evaluation {
  const confusion = Array.from({ length: model.classes }, () => new Array<number>(model.classes).fill(0));
  let correct = 0;
  let lossSum = 0;
  features.forEach((input, i) => {
    const probabilities = predictProbabilities(model, input);
    const label = labels[i] ?? 0;
    const predicted = argmax(probabilities);
    lossSum -= Math.log(Math.max(probabilities[label] ?? 0, 1e-12));
    const row = confusion[label];
    if (row) row[predicted] = (row[predicted] ?? 0) + 1;
    if (predicted === label) correct++;
  });
  const n = Math.max(features.length, 1);
  return { accuracy: correct / n, loss: lossSum / n, confusion };
}

export interface Normalizer {
  mean: number[];
  std: number[];
}

/** z-score parameters from the training split only (no leakage from the holdout). */
export function fitNormalizer(features: readonly number[][]): Normalizer {
  const dimensions = features[0]?.length ?? 0;
  const mean = new Array<number>(dimensions).fill(0);
  const std = new Array<number>(dimensions).fill(0);
  for (const row of features) {
    for (let d = 0; d < dimensions; d++) mean[d] = (mean[d] ?? 0) + (row[d] ?? 0) / features.length;
  }
  for (const row of features) {
    for (let d = 0; d < dimensions; d++)
      std[d] = (std[d] ?? 0) + ((row[d] ?? 0) - (mean[d] ?? 0)) ** 2 / features.length;
  }
  return { mean, std: std.map((v) => (v > 0 ? Math.sqrt(v) : 1)) };
}

export function normalize(normalizer: Normalizer, row: readonly number[]): number[] {
  return row.map((v, d) => (v - (normalizer.mean[d] ?? 0)) / (normalizer.std[d] ?? 1));
}
