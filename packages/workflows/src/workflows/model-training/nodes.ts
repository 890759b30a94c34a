import { Node } from '@kaygraph/graph';
import {
  epochSteps,
  evaluate,
  fitNormalizer,
  initModel,
  type Model,
  type Normalizer,
  normalize,
} from '../../lib/model.ts';
import { createRandom, deriveSeed } from '../../lib/random.ts';
import { servicesOf, throwIfAborted, yieldToEventLoop } from '../../run-params.ts';
import type { WorkflowServices } from '../../services/types.ts';
import { loadTrainingData, releaseTrainingData } from './dataset.ts';
import type { ModelTrainingParams, ModelTrainingResult } from './params.ts';
import { type EpochRecord, required, type Split, STEP, splitData, type TrainingShared } from './state.ts';

/** Training yields to the event loop this often, so a cancel message reaches a worker thread. */
const YIELD_EVERY_MS = 25;

function dataDirOf(node: { params: Record<string, unknown> }): string | null {
  const services = node.params.services as WorkflowServices | undefined;
  return services?.dataDir ?? null;
}

let normalizedCache: { key: string; split: Split } | null = null;

/**
 * The split with normalised features, built once per process for a run's dataset and normaliser
 * (every training part and the evaluation use it), and released with the dataset at the end.
 */
async function normalizedSplit(
  node: { params: Record<string, unknown> },
  config: ModelTrainingParams,
  normalizer: Normalizer,
): Promise<Split> {
  const key = JSON.stringify([
    config.dataset,
    config.label_column,
    config.seed,
    config.holdout,
    dataDirOf(node),
    normalizer,
  ]);
  if (normalizedCache?.key === key) return normalizedCache.split;
  const split = await splitData(config, dataDirOf(node));
  const normalized: Split = {
    train: {
      features: split.train.features.map((row) => normalize(normalizer, row)),
      labels: split.train.labels,
    },
    holdout: {
      features: split.holdout.features.map((row) => normalize(normalizer, row)),
      labels: split.holdout.labels,
    },
  };
  normalizedCache = { key, split: normalized };
  return normalized;
}

function releaseRunData(): void {
  normalizedCache = null;
  releaseTrainingData();
}

interface Prepared {
  classes: string[];
  featureNames: string[];
  rows: { train: number; holdout: number };
  normalizer: Normalizer;
}

export class PrepareData extends Node<TrainingShared, undefined, Prepared> {
  readonly config: ModelTrainingParams;

  constructor(config: ModelTrainingParams) {
    super({ id: 'prepare', step: STEP.prepare });
    this.config = config;
  }

  override async exec(): Promise<Prepared> {
    this.ctx.progress({ step: STEP.prepare, percent: 0, message: 'loading the dataset' });
    const data = await loadTrainingData(this.config, dataDirOf(this));
    const split = await splitData(this.config, dataDirOf(this));
    // normalisation statistics come from the training rows only: the holdout stays unseen
    const normalizer = fitNormalizer(split.train.features);
    const rows = { train: split.train.labels.length, holdout: split.holdout.labels.length };
    this.ctx.progress({
      step: STEP.prepare,
      percent: 100,
      message: `${rows.train} training and ${rows.holdout} holdout rows, ${data.featureNames.length} features, ${data.classes.length} classes`,
    });
    return { classes: data.classes, featureNames: data.featureNames, rows, normalizer };
  }

  override post(shared: TrainingShared, _prep: undefined, prepared: Prepared): void {
    Object.assign(shared, prepared);
  }
}

export class InitializeModel extends Node<TrainingShared, TrainingShared, Model> {
  readonly config: ModelTrainingParams;

  constructor(config: ModelTrainingParams) {
    super({ id: 'initialize', step: STEP.initialize });
    this.config = config;
  }

  override prep(shared: TrainingShared): TrainingShared {
    return shared;
  }

  override exec(shared: TrainingShared): Model {
    const hidden = this.config.model === 'mlp' ? this.config.hidden : [];
    const model = initModel({
      inputs: required(shared.featureNames, 'featureNames').length,
      classes: required(shared.classes, 'classes').length,
      hidden,
      seed: this.config.seed,
    });
    const parameters = model.layers.reduce(
      (sum, l) => sum + l.bias.length * (1 + (l.weights[0]?.length ?? 0)),
      0,
    );
    this.ctx.progress({
      step: STEP.initialize,
      percent: 100,
      message: `${model.kind}: layers ${[model.inputs, ...hidden, model.classes].join(' -> ')}, ${parameters} parameters`,
    });
    return model;
  }

  override post(shared: TrainingShared, _prep: TrainingShared, model: Model): void {
    shared.model = model;
    shared.history = [];
  }
}

/**
 * Epochs `[from, to)` of the training. Training is split over several such nodes so that each part
 * ends in a checkpoint (a retried task resumes with the weights of the last completed part) and
 * the progress bar gives training its real share of the run.
 */
export class TrainEpochs extends Node<
  TrainingShared,
  TrainingShared,
  { model: Model; history: EpochRecord[] }
> {
  readonly config: ModelTrainingParams;
  readonly from: number;
  readonly to: number;

  constructor(config: ModelTrainingParams, part: number, from: number, to: number) {
    super({ id: `train_${part}`, step: STEP.train });
    this.config = config;
    this.from = from;
    this.to = to;
  }

  override prep(shared: TrainingShared): TrainingShared {
    return shared;
  }

  override async exec(shared: TrainingShared): Promise<{ model: Model; history: EpochRecord[] }> {
    const model = structuredClone(required(shared.model, 'model'));
    const history = [...(shared.history ?? [])];
    const { train } = await normalizedSplit(this, this.config, required(shared.normalizer, 'normalizer'));
    let lastYield = performance.now();
    for (let epoch = this.from; epoch < this.to; epoch++) {
      // a per-epoch seed: a resumed run shuffles exactly as an uninterrupted one
      const random = createRandom(deriveSeed(this.config.seed, epoch + 1));
      const steps = epochSteps(model, train.features, train.labels, {
        learningRate: this.config.learning_rate,
        batchSize: this.config.batch_size,
        l2: this.config.l2,
        random,
      });
      let step = steps.next();
      while (!step.done) {
        if (performance.now() - lastYield > YIELD_EVERY_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
        throwIfAborted(this.ctx.signal);
        step = steps.next();
      }
      const record = { epoch: epoch + 1, loss: round(step.value.loss), accuracy: round(step.value.accuracy) };
      history.push(record);
      this.ctx.progress({
        step: STEP.train,
        percent: ((epoch + 1 - this.from) / (this.to - this.from)) * 100,
        message: `epoch ${record.epoch}/${this.config.epochs}: loss ${record.loss.toFixed(4)}, accuracy ${(record.accuracy * 100).toFixed(1)}%`,
      });
    }
    return { model, history };
  }

  override post(
    shared: TrainingShared,
    _prep: TrainingShared,
    trained: { model: Model; history: EpochRecord[] },
  ): void {
    shared.model = trained.model;
    shared.history = trained.history;
  }
}

export class EvaluateModel extends Node<
  TrainingShared,
  TrainingShared,
  Pick<TrainingShared, 'evaluation' | 'trainAccuracy'>
> {
  readonly config: ModelTrainingParams;

  constructor(config: ModelTrainingParams) {
    super({ id: 'evaluate', step: STEP.evaluate });
    this.config = config;
  }

  override prep(shared: TrainingShared): TrainingShared {
    return shared;
  }

  override async exec(shared: TrainingShared) {
    const model = required(shared.model, 'model');
    const { train, holdout } = await normalizedSplit(
      this,
      this.config,
      required(shared.normalizer, 'normalizer'),
    );
    const evaluation = evaluate(model, holdout.features, holdout.labels);
    const trainAccuracy = evaluate(model, train.features, train.labels).accuracy;
    this.ctx.progress({
      step: STEP.evaluate,
      percent: 100,
      message: `holdout accuracy ${(evaluation.accuracy * 100).toFixed(1)}% (train ${(trainAccuracy * 100).toFixed(1)}%)`,
    });
    return { evaluation, trainAccuracy };
  }

  override post(
    shared: TrainingShared,
    _prep: TrainingShared,
    figures: Pick<TrainingShared, 'evaluation' | 'trainAccuracy'>,
  ) {
    Object.assign(shared, figures);
  }
}

export class SaveModel extends Node<TrainingShared, TrainingShared, ModelTrainingResult> {
  readonly config: ModelTrainingParams;

  constructor(config: ModelTrainingParams) {
    super({ id: 'save', step: STEP.save });
    this.config = config;
  }

  override prep(shared: TrainingShared): TrainingShared {
    return shared;
  }

  override async exec(shared: TrainingShared): Promise<ModelTrainingResult> {
    const model = required(shared.model, 'model');
    const evaluation = required(shared.evaluation, 'evaluation');
    const classes = required(shared.classes, 'classes');
    const features = required(shared.featureNames, 'featureNames');
    const layers = [model.inputs, ...model.layers.slice(0, -1).map((l) => l.bias.length), model.classes];
    const parameters = model.layers.reduce(
      (sum, l) => sum + l.bias.length * (1 + (l.weights[0]?.length ?? 0)),
      0,
    );
    this.ctx.progress({ step: STEP.save, percent: 0, message: 'writing model.json' });
    // everything needed to predict: normalise with `normalizer`, run `layers`, argmax over `classes`
    const artifact = {
      format: 'kaygraph-classifier/1',
      kind: model.kind,
      classes,
      features,
      normalizer: required(shared.normalizer, 'normalizer'),
      activation: { hidden: 'tanh', output: 'softmax' },
      layers: model.layers,
      holdout_accuracy: evaluation.accuracy,
      params: this.config,
    };
    const stored = await servicesOf(this).artifacts.put(
      'model.json',
      'application/json',
      new TextEncoder().encode(JSON.stringify(artifact)),
    );
    this.ctx.progress({ step: STEP.save, percent: 100, message: `model.json (${stored.size} bytes)` });
    return {
      model: { kind: model.kind, layers, parameters },
      classes,
      features,
      rows: required(shared.rows, 'rows'),
      epochs: this.config.epochs,
      history: shared.history ?? [],
      train_accuracy: round(shared.trainAccuracy ?? 0),
      holdout: {
        accuracy: round(evaluation.accuracy),
        loss: round(evaluation.loss),
        confusion_matrix: evaluation.confusion,
      },
      artifacts: [stored],
    };
  }

  override post(shared: TrainingShared, _prep: TrainingShared, result: ModelTrainingResult): void {
    shared.result = result;
    releaseRunData();
  }
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
