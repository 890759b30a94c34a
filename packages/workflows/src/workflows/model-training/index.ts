import { Graph } from '@kaygraph/graph';
import { builtinWorkflow } from '../../builtin-workflow.ts';
import { defineWorkflow } from '../../define.ts';
import { chain } from '../../run-params.ts';
import { EvaluateModel, InitializeModel, PrepareData, SaveModel, TrainEpochs } from './nodes.ts';
import { ModelTrainingParams, ModelTrainingResult } from './params.ts';
import type { TrainingShared } from './state.ts';

/** Training is split into at most this many checkpointed parts. */
const MAX_TRAIN_PARTS = 10;

export const modelTraining = builtinWorkflow(
  defineWorkflow({
    name: 'model_training',
    description:
      'Trains a classifier in TypeScript (multinomial logistic regression or a small MLP) on a generated, inline ' +
      'or CSV dataset: split and normalise, initialise, train with per-epoch loss/accuracy, evaluate on the ' +
      'holdout (accuracy, confusion matrix) and save the model as an artifact. Deterministic for a seed.',
    params: ModelTrainingParams,
    result: ModelTrainingResult,
    defaults: { max_retries: 2, timeout_seconds: 3600 },
    graph: (params) => {
      const parts = Math.min(MAX_TRAIN_PARTS, params.epochs);
      const training = Array.from(
        { length: parts },
        (_, i) =>
          new TrainEpochs(
            params,
            i + 1,
            Math.floor((params.epochs * i) / parts),
            Math.floor((params.epochs * (i + 1)) / parts),
          ),
      );
      return new Graph<TrainingShared>(
        chain<TrainingShared>(
          new PrepareData(params),
          new InitializeModel(params),
          ...training,
          new EvaluateModel(params),
          new SaveModel(params),
        ),
      );
    },
  }),
);

export { ModelTrainingParams, ModelTrainingResult } from './params.ts';
