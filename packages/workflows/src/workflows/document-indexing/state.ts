import type { WorkflowShared } from '../../define.ts';

export const STEP = {
  extract: 'Extract text from documents',
  chunk: 'Chunk into passages',
  embed: 'Generate embeddings',
  vector: 'Build vector index',
  fullText: 'Update search index',
} as const;

export interface ExtractedDocument {
  name: string;
  title: string | null;
  format: string;
  characters: number;
  chunks: number;
}

/** A sparse embedding (non-zero buckets only): keeps the checkpointed store small. */
export interface SparseVector {
  i: number[];
  v: number[];
}

export interface IndexingShared extends WorkflowShared {
  documents?: ExtractedDocument[];
  /** Extracted text by document, until chunked. */
  texts?: Record<string, string>;
  /** Chunks by document, in order. */
  chunks?: Record<string, string[]>;
  /** Embeddings by document, parallel to `chunks`, until written. */
  embeddings?: Record<string, SparseVector[]>;
  replacedChunks?: number;
}

export function toSparse(vector: readonly number[]): SparseVector {
  const sparse: SparseVector = { i: [], v: [] };
  vector.forEach((value, index) => {
    if (value !== 0) {
      sparse.i.push(index);
      sparse.v.push(Math.round(value * 1e6) / 1e6);
    }
  });
  return sparse;
}

export function toDense(sparse: SparseVector, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  sparse.i.forEach((index, k) => {
    vector[index] = sparse.v[k] ?? 0;
  });
  return vector;
}

export function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`the shared store has no ${name}: did the earlier steps run?`);
  return value;
}
