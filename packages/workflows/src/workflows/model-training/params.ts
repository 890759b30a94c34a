import { z } from 'zod';

const Generated = z.object({
  generate: z.object({
    rows: z.number().int().min(20).max(200_000).default(1000),
    classes: z.number().int().min(2).max(10).default(2),
    features: z.number().int().min(1).max(50).default(4),
    /** Distance of the class centres in units of their spread: 3+ is close to separable. */
    separation: z.number().min(0).max(100).default(3),
    seed: z.number().int().default(1),
  }),
});
const Inline = z.object({
  features: z.array(z.array(z.number())).min(10).max(200_000),
  labels: z
    .array(z.union([z.string(), z.number()]))
    .min(10)
    .max(200_000),
});

/** How to give the dataset in the params instead of a file (said when a file is missing). */
export const INLINE_DATASET =
  '"dataset": {"features": [[5.1, 3.5], ...], "labels": ["a", ...]} or "dataset": {"generate": {"rows": 1000}}';

export const ModelTrainingParams = z.strictObject({
  /** A generated dataset, inline features + labels, or a CSV under the data directory. */
  dataset: z.union([Generated, Inline, z.string().min(1).max(500)]),
  /** The label column of a CSV dataset; every other numeric column is a feature. */
  label_column: z.string().default('label'),
  /** logistic: multinomial logistic regression; mlp: a small network with tanh hidden layers. */
  model: z.enum(['logistic', 'mlp']).default('logistic'),
  hidden: z.array(z.number().int().min(1).max(256)).min(1).max(3).default([16]),
  epochs: z.number().int().min(1).max(1000).default(30),
  learning_rate: z.number().positive().max(10).default(0.1),
  batch_size: z.number().int().min(1).max(4096).default(32),
  l2: z.number().min(0).max(1).default(1e-4),
  /** Share of the rows held out for evaluation. */
  holdout: z.number().min(0.05).max(0.5).default(0.2),
  seed: z.number().int().default(42),
});
export type ModelTrainingParams = z.output<typeof ModelTrainingParams>;

export const ModelTrainingResult = z.object({
  model: z.object({
    kind: z.enum(['logistic', 'mlp']),
    layers: z.array(z.number().int()),
    parameters: z.number().int(),
  }),
  classes: z.array(z.string()),
  features: z.array(z.string()),
  rows: z.object({ train: z.number().int(), holdout: z.number().int() }),
  epochs: z.number().int(),
  history: z.array(z.object({ epoch: z.number().int(), loss: z.number(), accuracy: z.number() })),
  train_accuracy: z.number(),
  holdout: z.object({
    accuracy: z.number(),
    loss: z.number(),
    /** confusion_matrix[actual][predicted], in the order of `classes`. */
    confusion_matrix: z.array(z.array(z.number().int())),
  }),
  artifacts: z.array(z.object({ name: z.string(), content_type: z.string(), size: z.number().int() })),
});
export type ModelTrainingResult = z.output<typeof ModelTrainingResult>;
