import type { WorkflowShared } from '../../define.ts';
import type { Evaluation, Model, Normalizer } from '../../lib/model.ts';
import { createRandom, deriveSeed, shuffleInPlace } from '../../lib/random.ts';
import { loadTrainingData } from './dataset.ts';
import type { ModelTrainingParams } from './params.ts';

export const STEP = {
  prepare: 'Prepare training data',
  initialize: 'Initialize model',
  train: 'Train with progress updates',
  evaluate: 'Evaluate performance',
  save: 'Save model artifacts',
} as const;

export interface EpochRecord {
  epoch: number;
  loss: number;
  accuracy: number;
}

/** Small by design: rows are re-derived from the params, only the model and figures are kept. */
export interface TrainingShared extends WorkflowShared {
  classes?: string[];
  featureNames?: string[];
  rows?: { train: number; holdout: number };
  normalizer?: Normalizer;
  model?: Model;
  history?: EpochRecord[];
  trainAccuracy?: number;
  evaluation?: Evaluation;
}

export function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`the shared store has no ${name}: did the earlier steps run?`);
  return value;
}

export interface Split {
  train: { features: number[][]; labels: number[] };
  holdout: { features: number[][]; labels: number[] };
}

/** The seeded train/holdout split of the run's dataset (the same for every node and every retry). */
export async function splitData(params: ModelTrainingParams, dataDir: string | null): Promise<Split> {
  const data = await loadTrainingData(params, dataDir);
  const order = shuffleInPlace(
    Array.from({ length: data.features.length }, (_, i) => i),
    createRandom(deriveSeed(params.seed, 0x5917)),
  );
  const holdoutCount = Math.max(1, Math.round(order.length * params.holdout));
  const pick = (indexes: number[]) => ({
    features: indexes.map((i) => data.features[i] ?? []),
    labels: indexes.map((i) => data.labels[i] ?? 0),
  });
  return { holdout: pick(order.slice(0, holdoutCount)), train: pick(order.slice(holdoutCount)) };
}
