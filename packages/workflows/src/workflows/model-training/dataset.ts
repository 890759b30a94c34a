import { readFile } from 'node:fs/promises';
import { WorkflowInputError } from '../../errors.ts';
import { CsvParser } from '../../lib/csv.ts';
import { gaussianBlobs } from '../../lib/datasets.ts';
import { resolveDataFile } from '../../services/data-dir.ts';
import { INLINE_DATASET, type ModelTrainingParams } from './params.ts';

export interface TrainingData {
  features: number[][];
  /** Class indexes into `classes`. */
  labels: number[];
  classes: string[];
  featureNames: string[];
}

const MAX_CSV_BYTES = 64 * 1024 * 1024;

let cache: { key: string; data: TrainingData } | null = null;

/** Drops the cached rows once a run no longer needs them, so a worker thread does not keep them. */
export function releaseTrainingData(): void {
  cache = null;
}

/**
 * The dataset of a run. Every node that needs the rows asks for them here instead of keeping them
 * in the (checkpointed) store; the same params give the same rows, and one process parses once.
 */
export async function loadTrainingData(
  params: ModelTrainingParams,
  dataDir: string | null,
): Promise<TrainingData> {
  const key = JSON.stringify([params.dataset, params.label_column, dataDir]);
  if (cache?.key === key) return cache.data;
  const data = await load(params, dataDir);
  cache = { key, data };
  return data;
}

async function load(params: ModelTrainingParams, dataDir: string | null): Promise<TrainingData> {
  const { dataset } = params;
  if (typeof dataset === 'string')
    return loadCsv(await resolveDataFile(dataDir, dataset, ['.csv'], INLINE_DATASET), params.label_column);
  if ('generate' in dataset) {
    const { rows, classes, features, separation, seed } = dataset.generate;
    const blobs = gaussianBlobs({ rows, classes, dimensions: features, separation, seed });
    return {
      features: blobs.features,
      labels: blobs.labels,
      classes: Array.from({ length: classes }, (_, c) => `class_${c}`),
      featureNames: Array.from({ length: features }, (_, d) => `x${d + 1}`),
    };
  }
  if (dataset.features.length !== dataset.labels.length) {
    throw new WorkflowInputError(
      'INVALID_PARAMS',
      'dataset.features and dataset.labels must have the same length',
    );
  }
  const width = dataset.features[0]?.length ?? 0;
  if (width === 0 || dataset.features.some((row) => row.length !== width)) {
    throw new WorkflowInputError('INVALID_PARAMS', 'every feature row must have the same, non-zero length');
  }
  return withClasses(
    dataset.features,
    dataset.labels.map(String),
    Array.from({ length: width }, (_, d) => `x${d + 1}`),
  );
}

function withClasses(features: number[][], rawLabels: string[], featureNames: string[]): TrainingData {
  const classes = [...new Set(rawLabels)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  if (classes.length < 2)
    throw new WorkflowInputError('INVALID_PARAMS', 'the labels must have at least two classes');
  if (classes.length > 50) throw new WorkflowInputError('INVALID_PARAMS', 'at most 50 classes are supported');
  const index = new Map(classes.map((label, i) => [label, i]));
  return { features, labels: rawLabels.map((label) => index.get(label) ?? 0), classes, featureNames };
}

async function loadCsv(path: string, labelColumn: string): Promise<TrainingData> {
  const bytes = await readFile(path);
  if (bytes.length > MAX_CSV_BYTES)
    throw new WorkflowInputError('INVALID_PARAMS', `training CSVs may have at most ${MAX_CSV_BYTES} bytes`);
  const parser = new CsvParser();
  const records = [...parser.push(bytes), ...parser.end()].map((record) => record.fields);
  const [header, ...rows] = records;
  if (!header) throw new WorkflowInputError('INVALID_PARAMS', 'the training CSV is empty');
  const labelAt = header.indexOf(labelColumn);
  if (labelAt < 0)
    throw new WorkflowInputError('INVALID_PARAMS', `the training CSV has no "${labelColumn}" column`);
  const featureColumns = header
    .map((name, i) => ({ name, i }))
    .filter(({ i }) => i !== labelAt && rows.every((row) => Number.isFinite(Number(row[i]))));
  if (featureColumns.length === 0)
    throw new WorkflowInputError('INVALID_PARAMS', 'the training CSV has no numeric feature columns');
  const usable = rows.filter((row) => row.length === header.length && (row[labelAt] ?? '') !== '');
  return withClasses(
    usable.map((row) => featureColumns.map(({ i }) => Number(row[i]))),
    usable.map((row) => row[labelAt] ?? ''),
    featureColumns.map(({ name }) => name),
  );
}
